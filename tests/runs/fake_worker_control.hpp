// A WorkerControl that starts nothing: pids are handed out in order, liveness, exits and signals
// are whatever the test says, so scheduler decisions can be checked without processes.
#pragma once

#include <signal.h>

#include <set>
#include <utility>
#include <vector>

#include "core/runs/worker_launcher.hpp"

namespace multipos::testing {

// Linux wait statuses, as waitpid reports them.
constexpr int exited_with(int code) { return code << 8; }
constexpr int killed_by(int signal_number) { return signal_number; }

class FakeWorkerControl : public runs::WorkerControl {
 public:
  std::string host_name = "test-host";
  int64_t next_pid = 1000;
  bool refuse_to_start = false;
  std::vector<int64_t> started_runs;
  std::vector<std::string> started_gpus;  // the CUDA_VISIBLE_DEVICES each start got
  std::set<int64_t> alive;
  std::set<int64_t> exiting;  // started here, probe gone, exit not collectable yet (a zombie leader)
  std::vector<runs::WorkerExit> pending_exits;
  std::vector<std::pair<int64_t, int>> signals_sent;
  int probes = 0;

  int64_t start(int64_t run_id, const std::string& cuda_visible_devices = "") override {
    if (refuse_to_start) throw runs::LaunchError("cannot start /no/such/multipos: No such file or directory");
    started_runs.push_back(run_id);
    started_gpus.push_back(cuda_visible_devices);
    alive.insert(next_pid);
    return next_pid++;
  }
  std::vector<runs::WorkerExit> collect_exits() override { return std::exchange(pending_exits, {}); }
  runs::ProcessProbe probe(int64_t pid, double /*run_started_at*/) override {
    ++probes;
    if (alive.count(pid)) return {runs::Liveness::alive, ""};
    return {runs::Liveness::gone, "no such process"};
  }
  void signal(int64_t pid, int signal_number) override {
    signals_sent.emplace_back(pid, signal_number);
    if (signal_number == SIGKILL && alive.erase(pid)) pending_exits.push_back({pid, killed_by(SIGKILL)});
  }
  size_t live_children() const override { return alive.size() + exiting.size(); }
  bool owns(int64_t pid) const override { return alive.count(pid) > 0 || exiting.count(pid) > 0; }
  std::string host() const override { return host_name; }

  // The worker of `pid` ends with `wait_status` (its run left as the worker left it).
  void worker_exits(int64_t pid, int wait_status) {
    alive.erase(pid);
    exiting.erase(pid);
    pending_exits.push_back({pid, wait_status});
  }
};

}  // namespace multipos::testing
