// The launch form's dataset check off the UI thread: the app's RunFactory::check_dataset (which
// loads the data; the studio links no loader) runs on a worker thread for the newest spec asked
// for. Specs asked for while one is checked replace each other: only the newest is checked next.
// Thread-safety: public methods are for the UI thread; the worker shares only the pending spec
// and the answer (under mutex_).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

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
  void run();

  const CheckFunction check_;
  // UI thread only.
  std::optional<DatasetCheckAnswer> answer_;  // the newest answer taken from the worker
  std::string requested_;                     // the spec last queued
  // Shared with the worker, guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<std::string> pending_;
  std::optional<DatasetCheckAnswer> inbox_;
  bool stop_ = false;
  std::thread thread_;  // last: started once every member above exists
};

}  // namespace multipos::ui
