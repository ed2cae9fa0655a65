#include "core/runs/worker_launcher.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace multipos::runs {

WorkerLauncher::WorkerLauncher(std::string executable, std::string database)
    : executable_(std::move(executable)), database_(std::move(database)), host_(this_host_name()) {}

WorkerLauncher::~WorkerLauncher() {
  std::lock_guard<std::mutex> lock(mutex_);
  reap_locked();
}

int64_t WorkerLauncher::start(int64_t run_id, const std::string& cuda_visible_devices) {
  std::vector<std::string> environment;
  if (!cuda_visible_devices.empty()) environment.push_back("CUDA_VISIBLE_DEVICES=" + cuda_visible_devices);
  pid_t pid = spawn_detached({executable_, "train", "--db", database_, "--run", std::to_string(run_id)},
                             worker_log_path(database_, run_id), environment);
  std::lock_guard<std::mutex> lock(mutex_);
  children_[pid] = run_id;
  return pid;
}

void WorkerLauncher::reap_locked() {
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    pid_t result = ::waitpid(it->first, &status, WNOHANG);
    if (result == it->first) {
      exits_.push_back({it->first, status});
      it = children_.erase(it);
    } else if (result < 0 && errno == ECHILD) {
      it = children_.erase(it);  // reaped elsewhere (a SIGCHLD handler, waitpid(-1)): status unknown
    } else {
      ++it;
    }
  }
}

std::vector<WorkerExit> WorkerLauncher::collect_exits() {
  std::lock_guard<std::mutex> lock(mutex_);
  reap_locked();
  return std::exchange(exits_, {});
}

ProcessProbe WorkerLauncher::probe(int64_t pid, double run_started_at) {
  {
    // A child of ours that ended is a zombie until reaped: reap first so its status is kept
    // for collect_exits() rather than lost.
    std::lock_guard<std::mutex> lock(mutex_);
    reap_locked();
  }
  return probe_process(pid, run_started_at);
}

void WorkerLauncher::signal(int64_t pid, int signal_number) {
  if (pid <= 0) throw LaunchError("no worker pid to send " + signal_name(signal_number) + " to");
  if (::kill(static_cast<pid_t>(pid), signal_number) != 0)
    throw LaunchError("cannot send " + signal_name(signal_number) + " to worker pid " + std::to_string(pid) + ": " +
                      std::strerror(errno));
}

bool WorkerLauncher::owns(int64_t pid) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return children_.count(static_cast<pid_t>(pid)) > 0;
}

size_t WorkerLauncher::live_children() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return children_.size();
}

}  // namespace multipos::runs
