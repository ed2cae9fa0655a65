// The studio's one background-worker type: a thread that owns a read-only RunStore of one
// database and runs jobs against it, so the UI thread never waits on SQLite. The store is opened
// when a job first needs it, reopened after any failure (a locked, missing or replaced file) and
// closed on the worker thread. Jobs come from a queue (oldest first, newest first, or only the
// newest waiting one) and, for pollers, from a period. The store poller and every cache (probes,
// compare, dataset texts) are one of these plus their own inbox.
// Thread-safety: post/poke from any thread; a job runs on the worker with the store it gets. An
// owner must declare its StoreWorker after every member its jobs touch (it is destroyed first:
// the destructor stops and joins the thread before those members go).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/store/run_store.hpp"

namespace multipos::ui {

// Why a job could not run: the store file does not exist (yet), or opening / reading failed.
struct StoreFailure {
  bool missing = false;
  std::string message;  // names the file
};

class StoreWorker {
 public:
  enum class Order {
    oldest_first,  // every job, in order
    newest_first,  // every job, the latest posted first (a slider being dragged)
    latest_only,   // a new job replaces one still waiting (a query whose answer is outdated)
  };
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
  ~StoreWorker();  // stops and joins; the job in progress finishes first
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  // Queues `work`; `fail` runs instead (on the worker) when the store cannot be opened or `work`
  // throws; the store is then reopened for the next job.
  void post(Work work, Fail fail);
  // Runs the periodic job now instead of at the next period.
  void poke();
  // Jobs waiting (not the one running).
  std::size_t waiting() const;
  // The owner is being destroyed: a long job may end early.
  bool stopping() const;
  const std::string& db_path() const { return options_.db_path; }

 private:
  struct Job {
    Work work;
    Fail fail;
  };
  void run();
  void execute(const Work& work, const Fail& fail);

  const Options options_;
  std::unique_ptr<store::RunStore> store_;  // worker thread only
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool poked_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: started once every member above exists
};

}  // namespace multipos::ui
