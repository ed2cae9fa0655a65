#include "core/runs/scheduler.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/util/fault_injection.hpp"

namespace multipos::runs {

namespace {

std::string at_step(const store::RunRecord& run) {
  return run.last_step < 0 ? "before its first recorded step" : "at step " + std::to_string(run.last_step);
}

std::string seconds_text(double seconds) { return std::to_string(static_cast<long long>(std::lround(seconds))) + " s"; }

std::string exit_reason(const store::RunRecord& run, int wait_status) {
  std::string what = describe_wait_status(wait_status);
  if (what == "exited with code 0")
    return "worker pid " + std::to_string(run.pid) + " exited without marking the run finished " + at_step(run);
  return "worker pid " + std::to_string(run.pid) + " " + what + " " + at_step(run);
}

store::RunRecord running_run(store::RunStore& store, int64_t run_id) {
  auto run = store.find_run(run_id);
  if (!run) throw RunControlError("run " + std::to_string(run_id) + " does not exist in " + store.path());
  return *run;
}

void require_local_worker(const store::RunRecord& run, const WorkerControl& control) {
  if (run.host != control.host())
    throw RunControlError("run " + std::to_string(run.id) + " runs on host '" + run.host + "', not on this host ('" +
                          control.host() + "'); stop it there");
  if (run.pid <= 0)
    throw RunControlError("run " + std::to_string(run.id) + " is starting (no worker pid yet); try again in a second");
}

}  // namespace

int default_max_concurrent(unsigned cores, int cuda_devices) {
  if (cuda_devices > 0) return cuda_devices;
  if (cores <= 2) return 1;
  return static_cast<int>(cores / 2);
}

int default_max_concurrent_for(const std::string& config_json, const std::vector<std::string>& held_gpus,
                               unsigned cores) {
  const GpuNeed need = gpu_need(config_json);
  if (need.count > 0) {
    const std::vector<HostGpu> pool = host_gpus();
    const int free = free_gpu_count(pool, held_gpus);
    if (!pool.empty()) return std::max(1, free / need.count);
  }
  return default_max_concurrent(cores, 0);
}

std::vector<ReapedRun> reap_dead_runs(store::RunStore& store, WorkerControl& control, double heartbeat_timeout_seconds,
                                      double now) {
  // Exits first, then the listing: a worker that dies in between is then a zombie or gone when
  // probed, never a live process.
  std::map<int64_t, int> exit_status_by_pid;
  for (const WorkerExit& exit : control.collect_exits()) exit_status_by_pid[exit.pid] = exit.wait_status;

  std::vector<ReapedRun> reaped;
  for (const store::RunRecord& run : store.list_runs()) {
    if (run.status != "running") continue;
    const bool local = run.host == control.host();
    std::string reason;
    bool kill_silent_worker = false;
    auto exited = exit_status_by_pid.find(run.pid);
    if (local && run.pid > 0 && exited != exit_status_by_pid.end()) {
      reason = exit_reason(run, exited->second);
    } else if (local && run.pid < 0) {
      // Claimed by a scheduler that has not started the worker yet: a start in progress while
      // that scheduler lives; stranded when it died in between (a studio killed mid-launch).
      const int64_t scheduler_pid = -run.pid;
      ProcessProbe probe = control.probe(scheduler_pid, run.started_at);
      if (probe.liveness == Liveness::gone)
        reason = "claimed by scheduler pid " + std::to_string(scheduler_pid) + ", which is gone (" + probe.detail +
                 ") before it started a worker; resume the run to queue it again";
    } else if (local && run.pid > 0) {
      ProcessProbe probe = control.probe(run.pid, run.started_at);
      if (probe.liveness == Liveness::gone) {
        auto late_exit = control.collect_exits();  // the probe may just have reaped our own child
        auto found =
            std::find_if(late_exit.begin(), late_exit.end(), [&](const WorkerExit& e) { return e.pid == run.pid; });
        // Our own child that probes gone but cannot be collected yet is still exiting (see
        // WorkerControl::owns): a later tick judges it by its wait status (or its silence).
        if (found != late_exit.end()) reason = exit_reason(run, found->wait_status);
        else if (!control.owns(run.pid))
          reason = "worker pid " + std::to_string(run.pid) + " is gone (" + probe.detail + ") " + at_step(run);
      }
    }
    double last_sign_of_life = std::max(run.heartbeat_at, run.started_at);
    double silence = now - last_sign_of_life;
    if (reason.empty() && silence > heartbeat_timeout_seconds) {
      std::string who = run.pid > 0 ? "worker pid " + std::to_string(run.pid) : "the worker (never started)";
      reason = "no heartbeat for " + seconds_text(silence) + " (timeout " + seconds_text(heartbeat_timeout_seconds) +
               ") from " + who + (local ? "" : " on host '" + run.host + "'") + " " + at_step(run);
      kill_silent_worker = local && run.pid > 0;
      if (kill_silent_worker) reason += "; the worker was killed";
    }
    if (reason.empty()) continue;
    if (!store.fail_if_running(run.id, run.pid, reason)) continue;  // it finished or was reaped meanwhile
    store.log_event(run.id, "error", reason);
    if (kill_silent_worker) {
      try {
        control.signal(run.pid, SIGKILL);
      } catch (const LaunchError&) {
        // Already gone: nothing left to silence.
      }
    }
    reaped.push_back({run.id, reason});
  }
  return reaped;
}

Scheduler::Scheduler(WorkerControl& control, SchedulerOptions options) : control_(control), options_(options) {
  set_max_concurrent(options.max_concurrent);
}

void Scheduler::set_max_concurrent(int max_concurrent) { options_.max_concurrent = std::max(1, max_concurrent); }

TickReport Scheduler::tick(store::RunStore& store, double now) {
  TickReport report;
  report.failed = reap_dead_runs(store, control_, options_.heartbeat_timeout_seconds, now);
  const std::string host = control_.host();
  // Each claimed run gets free GPUs of the pool (its world size of them) in the claim's own
  // transaction; a run that can never get them here fails with the reason.
  std::string impossible, visible;
  // Asked at the first tick, not at construction: a RunService that only stops, cancels or
  // reorders (`multipos stop`, the studio's buttons) never runs nvidia-smi.
  if (!options_.gpus) options_.gpus = host_gpus();
  const std::vector<HostGpu>& pool = *options_.gpus;
  auto choose = [&](const std::string& config_json, const std::vector<std::string>& held) -> std::optional<std::string> {
    impossible.clear();
    visible.clear();
    const GpuNeed need = gpu_need(config_json);
    GpuChoice choice = choose_gpus(need, pool, held);
    switch (choice.kind) {
      case GpuChoice::Kind::wait: return std::nullopt;
      case GpuChoice::Kind::impossible: impossible = choice.reason; return std::string();
      case GpuChoice::Kind::assign:
        if (!need.pinned) visible = join_gpus(choice.gpus);  // `cuda:N` keeps the host's numbering
        return join_gpus(choice.gpus);
      case GpuChoice::Kind::none: break;
    }
    return std::string();
  };
  const int64_t claimer = ::getpid();
  while (auto run_id = store.claim_next_queued(host, options_.max_concurrent, choose, claimer)) {
    util::fault_point("scheduler_after_claim");
    if (!impossible.empty()) {
      std::string reason = "cannot start on host '" + host + "': " + impossible;
      if (store.fail_if_running(*run_id, -claimer, reason)) store.log_event(*run_id, "error", reason);
      report.failed.push_back({*run_id, reason});
      continue;
    }
    try {
      int64_t pid = control_.start(*run_id, visible);
      store.record_worker_pid(*run_id, pid);
      report.started.push_back({*run_id, pid});
    } catch (const std::exception& error) {
      std::string reason = std::string("cannot start the worker: ") + error.what();
      if (store.fail_if_running(*run_id, -claimer, reason)) store.log_event(*run_id, "error", reason);
      report.failed.push_back({*run_id, reason});
    }
  }
  for (const store::RunRecord& run : store.list_runs()) {
    if (run.status == "queued") ++report.queued;
    if (run.status == "running" && run.host == host) ++report.running_here;
  }
  return report;
}

void cancel_run(store::RunStore& store, int64_t run_id) {
  store::RunRecord run = running_run(store, run_id);
  if (store.cancel_if_queued(run_id, "cancelled before it started")) {
    store.log_event(run_id, "info", "cancelled before it started");
    return;
  }
  run = running_run(store, run_id);  // re-read: the status may have changed since
  throw RunControlError("run " + std::to_string(run_id) + " is " + run.status + ", not queued" +
                        (run.status == "running" ? ": use stop to end it" : ""));
}

int64_t stop_run(store::RunStore& store, WorkerControl& control, int64_t run_id) {
  store::RunRecord run = running_run(store, run_id);
  if (run.status == "queued") {
    cancel_run(store, run_id);
    return 0;
  }
  if (run.status != "running")
    throw RunControlError("run " + std::to_string(run_id) + " is " + run.status + ", not running");
  require_local_worker(run, control);
  control.signal(run.pid, SIGTERM);
  store.log_event(run_id, "info", "stop requested (SIGTERM to worker pid " + std::to_string(run.pid) + ")");
  return run.pid;
}

void kill_run(store::RunStore& store, WorkerControl& control, int64_t run_id) {
  store::RunRecord run = running_run(store, run_id);
  if (run.status != "running")
    throw RunControlError("run " + std::to_string(run_id) + " is " + run.status + ", not running");
  require_local_worker(run, control);
  control.signal(run.pid, SIGKILL);
  std::string reason = "worker pid " + std::to_string(run.pid) + " killed by the user (SIGKILL) " + at_step(run);
  if (store.fail_if_running(run_id, run.pid, reason)) store.log_event(run_id, "error", reason);
}

}  // namespace multipos::runs
