#include "ui/background/dataset_check.hpp"

#include <exception>
#include <utility>

namespace multipos::ui {

DatasetChecker::DatasetChecker(CheckFunction check) : check_(std::move(check)) {}

DatasetChecker::~DatasetChecker() = default;

const DatasetCheckAnswer* DatasetChecker::get(const std::string& spec) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (inbox_) answer_ = std::exchange(inbox_, std::nullopt);
  }
  if (answer_ && answer_->spec == spec) return &*answer_;
  if (requested_ != spec) {
    requested_ = spec;
    worker_.post([this, spec] {  // replaces a spec not started yet
      DatasetCheckAnswer answer;
      answer.spec = spec;
      try {
        answer.message = check_(spec);
        answer.ok = true;
      } catch (const std::exception& error) {
        answer.message = error.what();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      inbox_ = std::move(answer);
    });
  }
  return nullptr;
}

}  // namespace multipos::ui
