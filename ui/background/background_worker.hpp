// The studio's one background-worker type: a thread that runs jobs from a queue (oldest first,
// newest first, or only the newest waiting one) and, for pollers, a periodic job, so the UI thread
// never waits on SQLite, a dataset load or a statistics test. StoreWorker puts a read-only run
// store under it (the poller and every cache of the store); the launch form's dataset check uses it
// as it is. An owner declares its worker after every member the jobs touch: the worker is then
// destroyed first, and its destructor lets the running job finish and joins the thread.
// Thread-safety: post/poke/waiting/stopping from any thread; jobs run on the worker thread only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace multipos::ui {

class BackgroundWorker {
 public:
  enum class Order {
    oldest_first,  // every job, in order
    newest_first,  // every job, the latest posted first (a slider being dragged)
    latest_only,   // a new job replaces one still waiting (a question whose answer is outdated)
  };
  using Job = std::function<void()>;

  struct Options {
    Order order = Order::oldest_first;
    // > 0: `periodic` runs once at start and then every period (and at poke()).
    std::chrono::milliseconds period{0};
    Job periodic;
    Job on_exit;  // last thing on the worker thread (close what the jobs opened there)
  };

  explicit BackgroundWorker(Options options);
  ~BackgroundWorker();  // stops and joins; the job in progress finishes first
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  void post(Job job);
  // Runs the periodic job now instead of at the next period.
  void poke();
  // Jobs waiting (not the one running).
  std::size_t waiting() const;
  // The owner is being destroyed: a long job may end early.
  bool stopping() const;

 private:
  void run();

  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool poked_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: started once every member above exists
};

}  // namespace multipos::ui
