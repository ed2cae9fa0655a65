// The run queue and crash detection over the run store: `reap_dead_runs` marks failed the running
// runs whose worker died or went silent, and `Scheduler::tick` reaps then starts queued runs in
// creation order up to a concurrency limit. The studio ticks from a background thread; the CLI's
// `multipos scheduler` ticks once a second. Also stop / cancel / kill of a single run.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/runs/gpus.hpp"
#include "core/runs/worker_launcher.hpp"
#include "core/store/run_store.hpp"

namespace multipos::runs {

// A request that does not fit the run's state (cancel a running run, stop a finished one, ...).
class RunControlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr double kDefaultHeartbeatTimeoutSeconds = 60;

struct SchedulerOptions {
  int max_concurrent = 1;  // running runs of this host at once (see default_max_concurrent)
  double heartbeat_timeout_seconds = kDefaultHeartbeatTimeoutSeconds;
  // The GPUs to hand out (CUDA_VISIBLE_DEVICES per worker); nullopt: host_gpus() at the first tick.
  std::optional<std::vector<HostGpu>> gpus;
};

// 1 per GPU when there are CUDA devices; else 1 on <= 2 cores, cores / 2 above.
int default_max_concurrent(unsigned cores, int cuda_devices);

// The default --max-concurrent for runs of `config_json` on this host: the number of free GPUs
// (host_gpus() less those running runs in `store` hold) when the config trains on CUDA (`cuda`,
// or `auto` with a GPU present), else default_max_concurrent(cores, 0).
int default_max_concurrent_for(const std::string& config_json, const std::vector<std::string>& held_gpus,
                               unsigned cores);

struct ReapedRun {
  int64_t run_id = 0;
  std::string reason;  // stored as the run's error, e.g. "worker pid 41 killed by signal 9 (SIGKILL) at step 17"
};

struct StartedRun {
  int64_t run_id = 0;
  int64_t pid = 0;
};

struct TickReport {
  std::vector<ReapedRun> failed;  // runs this tick marked failed (dead worker, launch error)
  std::vector<StartedRun> started;
  int running_here = 0;  // running runs of this host after the tick
  int queued = 0;        // queued runs left after the tick
  bool idle() const { return running_here == 0 && queued == 0; }
};

// Marks failed every running run whose worker is known dead: on this host, a worker that
// `control` saw exit (reason from its wait status), or whose pid is gone / a zombie / reused; on
// any host, a heartbeat older than `heartbeat_timeout_seconds` (a silent local worker is then
// SIGKILLed so it cannot write on). Each transition is conditional on the run still running with
// the same pid, so a worker that finishes meanwhile keeps its status. Returns what it marked.
std::vector<ReapedRun> reap_dead_runs(store::RunStore& store, WorkerControl& control,
                                      double heartbeat_timeout_seconds = kDefaultHeartbeatTimeoutSeconds,
                                      double now = store::now_seconds());

// Thread-safety: one Scheduler per thread; `tick` must get a RunStore owned by the calling thread.
// Several schedulers (studio, CLI) may tick the same database: claiming a queued run is one write
// transaction that also checks the limit, so the limit holds per host across processes.
class Scheduler {
 public:
  Scheduler(WorkerControl& control, SchedulerOptions options);
  TickReport tick(store::RunStore& store, double now = store::now_seconds());
  const SchedulerOptions& options() const { return options_; }
  void set_max_concurrent(int max_concurrent);

 private:
  WorkerControl& control_;
  SchedulerOptions options_;
};

// Queued: marks it stopped, "cancelled before it started". Otherwise throws RunControlError.
void cancel_run(store::RunStore& store, int64_t run_id);

// Running on this host: sends SIGTERM (the worker stops after its current step and marks the run
// stopped) and returns the pid. Queued: cancels it and returns 0. Otherwise RunControlError.
int64_t stop_run(store::RunStore& store, WorkerControl& control, int64_t run_id);

// Running on this host: SIGKILL and marks the run failed ("killed by the user") at once.
void kill_run(store::RunStore& store, WorkerControl& control, int64_t run_id);

}  // namespace multipos::runs
