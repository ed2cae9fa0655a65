#include "ui/background/background_worker.hpp"

#include <utility>

namespace multipos::ui {

BackgroundWorker::BackgroundWorker(Options options) : options_(std::move(options)), thread_([this] { run(); }) {}

BackgroundWorker::~BackgroundWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BackgroundWorker::post(Job job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    switch (options_.order) {
      case Order::oldest_first:
        jobs_.push_back(std::move(job));
        break;
      case Order::newest_first:
        jobs_.push_front(std::move(job));
        break;
      case Order::latest_only:
        jobs_.clear();
        jobs_.push_back(std::move(job));
        break;
    }
  }
  wake_.notify_all();
}

void BackgroundWorker::poke() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

std::size_t BackgroundWorker::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.size();
}

bool BackgroundWorker::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_;
}

void BackgroundWorker::run() {
  const bool periodic = options_.period.count() > 0 && options_.periodic;
  auto next_period = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    auto ready = [this] { return stop_ || poked_ || !jobs_.empty(); };
    if (periodic) wake_.wait_until(lock, next_period, ready);
    else wake_.wait(lock, ready);
    if (stop_) break;
    if (periodic && (poked_ || std::chrono::steady_clock::now() >= next_period)) {
      poked_ = false;
      lock.unlock();
      options_.periodic();
      next_period = std::chrono::steady_clock::now() + options_.period;
      lock.lock();
      continue;
    }
    poked_ = false;
    if (jobs_.empty()) continue;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
  lock.unlock();
  if (options_.on_exit) options_.on_exit();
}

}  // namespace multipos::ui
