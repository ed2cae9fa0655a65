#include "ui/background/store_worker.hpp"

#include <filesystem>
#include <utility>

namespace multipos::ui {

StoreWorker::StoreWorker(Options options) : options_(std::move(options)), thread_([this] { run(); }) {}

StoreWorker::~StoreWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StoreWorker::post(Work work, Fail fail) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Job job{std::move(work), std::move(fail)};
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

void StoreWorker::poke() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

std::size_t StoreWorker::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.size();
}

bool StoreWorker::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_;
}

void StoreWorker::execute(const Work& work, const Fail& fail) {
  StoreFailure failure;
  try {
    if (!store_) {
      if (!std::filesystem::exists(options_.db_path)) {
        failure.missing = true;
        throw store::StoreError("no run store at " + options_.db_path);
      }
      store_ = std::make_unique<store::RunStore>(options_.db_path, store::RunStore::Mode::read_only);
    }
    work(*store_);
    return;
  } catch (const std::exception& error) {
    // Locked, corrupt, newer-schema or vanished databases end up here: reopen for the next job.
    store_.reset();
    failure.message = error.what();
  }
  if (fail) fail(failure);
}

void StoreWorker::run() {
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
      execute(options_.periodic, options_.periodic_failed);
      next_period = std::chrono::steady_clock::now() + options_.period;
      lock.lock();
      continue;
    }
    poked_ = false;
    if (jobs_.empty()) continue;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    execute(job.work, job.fail);
    lock.lock();
  }
  lock.unlock();
  store_.reset();  // close SQLite on the thread that used it
}

}  // namespace multipos::ui
