// Starting and signalling worker processes (`multipos train --db FILE --run ID`) for the runs of
// one store. `WorkerControl` is what the scheduler needs from the operating system, so tests can
// drive the scheduler with a fake; `WorkerLauncher` is the real one (posix_spawn, new session).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/runs/process.hpp"

namespace multipos::runs {

// A worker this process started that has ended, with its waitpid status.
struct WorkerExit {
  int64_t pid = 0;
  int wait_status = 0;
};

class WorkerControl {
 public:
  virtual ~WorkerControl() = default;
  // Starts the worker of `run_id` and returns its pid; throws LaunchError. A non-empty
  // `cuda_visible_devices` ("0,1") is the worker's CUDA_VISIBLE_DEVICES: the GPUs it holds.
  virtual int64_t start(int64_t run_id, const std::string& cuda_visible_devices = "") = 0;
  // Workers started here that ended since the last call (reaping them, so no zombies remain).
  virtual std::vector<WorkerExit> collect_exits() = 0;
  // Whether `pid` on this host still runs the worker of a run started at `run_started_at`.
  virtual ProcessProbe probe(int64_t pid, double run_started_at) = 0;
  // Sends `signal_number` to `pid`; throws LaunchError naming the pid when that fails.
  virtual void signal(int64_t pid, int signal_number) = 0;
  // Workers started here that have not been collected yet.
  virtual size_t live_children() const = 0;
  // Whether `pid` is a worker started here whose exit has not been collected yet. Such a worker
  // may probe as a zombie before its exit can be collected: SIGKILL ends a multi-threaded worker
  // thread by thread, and its main thread shows as a zombie while the others still exit, when
  // waitpid cannot reap it yet.
  virtual bool owns(int64_t pid) const = 0;
  virtual std::string host() const = 0;
};

// Starts workers as `<executable> train --db <database> --run <id>` in their own session, output
// appended to worker_log_path(database, id). Workers outlive the launcher; while it lives it reaps
// them in collect_exits()/probe() and keeps their exit statuses.
// Thread-safety: all methods may be called from several threads (one internal mutex).
class WorkerLauncher : public WorkerControl {
 public:
  WorkerLauncher(std::string executable, std::string database);
  ~WorkerLauncher() override;  // reaps finished children; never kills running ones
  WorkerLauncher(const WorkerLauncher&) = delete;
  WorkerLauncher& operator=(const WorkerLauncher&) = delete;

  int64_t start(int64_t run_id, const std::string& cuda_visible_devices = "") override;
  std::vector<WorkerExit> collect_exits() override;
  ProcessProbe probe(int64_t pid, double run_started_at) override;
  void signal(int64_t pid, int signal_number) override;
  size_t live_children() const override;
  bool owns(int64_t pid) const override;
  std::string host() const override { return host_; }

  const std::string& database() const { return database_; }

 private:
  void reap_locked();  // waitpid(WNOHANG) on every known child; moves ended ones to exits_

  std::string executable_, database_, host_;
  mutable std::mutex mutex_;
  std::map<pid_t, int64_t> children_;  // pid -> run id, still running
  std::vector<WorkerExit> exits_;      // ended, not yet handed out by collect_exits()
};

}  // namespace multipos::runs
