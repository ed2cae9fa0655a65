// The launch form's dataset check off the UI thread: the app's RunFactory::check_dataset (which
// loads the data; the studio links no loader) runs on a BackgroundWorker for the newest spec asked
// for. Specs asked for while one is checked replace each other: only the newest is checked next.
// Thread-safety: public methods are for the UI thread; the worker's jobs share only the answer
// (under mutex_).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "ui/background/background_worker.hpp"

namespace multipos::ui {

struct DatasetCheckAnswer {
  std::string spec;  // the dataset JSON checked
  bool ok = false;
  std::string message;  // the check's description, or the loader's error
};

class DatasetChecker {
 public:
  using CheckFunction = std::function<std::string(const std::string& spec)>;  // throws on failure
  explicit DatasetChecker(CheckFunction check);
  ~DatasetChecker();  // stops and joins the worker (after the check in progress, if any)
  DatasetChecker(const DatasetChecker&) = delete;
  DatasetChecker& operator=(const DatasetChecker&) = delete;

  // The answer for `spec`, or nullptr while it is being checked (the first call queues it).
  const DatasetCheckAnswer* get(const std::string& spec);

 private:
  const CheckFunction check_;
  // UI thread only.
  std::optional<DatasetCheckAnswer> answer_;  // the newest answer taken from the worker
  std::string requested_;                     // the spec last queued
  // Shared with the worker's jobs, guarded by mutex_.
  std::mutex mutex_;
  std::optional<DatasetCheckAnswer> inbox_;
  BackgroundWorker worker_{{BackgroundWorker::Order::latest_only, {}, nullptr, nullptr}};  // last
};

}  // namespace multipos::ui
