// A BackgroundWorker with a read-only RunStore of one database under it: the store poller and
// every cache of the store (probes, compare, run datasets) are one of these plus their own inbox.
// The store is opened when a job first needs it, reopened after any failure (a locked, missing or
// replaced file) and closed on the worker thread. An owner declares its StoreWorker after every
// member its jobs touch (see BackgroundWorker).
// Thread-safety: post/poke from any thread; a job runs on the worker with the store it gets.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/store/run_store.hpp"
#include "ui/background/background_worker.hpp"

namespace multipos::ui {

// Why a job could not run: the store file does not exist (yet), or opening / reading failed.
struct StoreFailure {
  bool missing = false;
  std::string message;  // names the file
};

class StoreWorker {
 public:
  using Order = BackgroundWorker::Order;
  using Work = std::function<void(store::RunStore&)>;
  using Fail = std::function<void(const StoreFailure&)>;

  struct Options {
    std::string db_path;
    Order order = Order::oldest_first;
    // > 0: `periodic` runs once at start and then every period (and at poke()).
    std::chrono::milliseconds period{0};
    Work periodic;
    Fail periodic_failed;
  };

  explicit StoreWorker(Options options);
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  // Queues `work`; `fail` runs instead (on the worker) when the store cannot be opened or `work`
  // throws; the store is then reopened for the next job.
  void post(Work work, Fail fail);
  // Runs the periodic job now instead of at the next period.
  void poke() { worker_.poke(); }
  // Jobs waiting (not the one running).
  std::size_t waiting() const { return worker_.waiting(); }
  // The owner is being destroyed: a long job may end early.
  bool stopping() const { return worker_.stopping(); }
  const std::string& db_path() const { return options_.db_path; }

 private:
  void execute(const Work& work, const Fail& fail);
  BackgroundWorker::Options worker_options();

  const Options options_;
  std::unique_ptr<store::RunStore> store_;  // worker thread only
  BackgroundWorker worker_;                 // last: its jobs use the store
};

}  // namespace multipos::ui
