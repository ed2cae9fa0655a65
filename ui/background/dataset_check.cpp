#include "ui/background/dataset_check.hpp"

#include <exception>
#include <utility>

namespace multipos::ui {

DatasetChecker::DatasetChecker(CheckFunction check) : check_(std::move(check)), thread_([this] { run(); }) {}

DatasetChecker::~DatasetChecker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

const DatasetCheckAnswer* DatasetChecker::get(const std::string& spec) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (inbox_) answer_ = std::exchange(inbox_, std::nullopt);
  }
  if (answer_ && answer_->spec == spec) return &*answer_;
  if (requested_ != spec) {
    requested_ = spec;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_ = spec;  // replaces a spec not started yet
    }
    wake_.notify_all();
  }
  return nullptr;
}

void DatasetChecker::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || pending_.has_value(); });
    if (stop_) return;
    DatasetCheckAnswer answer;
    answer.spec = std::exchange(pending_, std::nullopt).value();
    lock.unlock();
    try {
      answer.message = check_(answer.spec);
      answer.ok = true;
    } catch (const std::exception& error) {
      answer.message = error.what();
    }
    lock.lock();
    inbox_ = std::move(answer);
  }
}

}  // namespace multipos::ui
