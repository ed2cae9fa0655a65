// Small POSIX process helpers for launching and watching workers: an owning file descriptor,
// detached spawning (new session, output to a log file), liveness probes that see through pid
// reuse and zombies, and wait statuses in words. Linux-first; no torch, no ImGui.
// Thread-safety: every function is safe to call from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace multipos::runs {

// Raised when a worker cannot be started or signalled; the message names the program, file or
// pid at fault and the system error.
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Owns one file descriptor; closes it when destroyed.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Starts `argv` (argv[0] is the program path) in a new session (setsid), so it outlives this
// process and never receives the terminal's SIGINT/SIGHUP; stdin is /dev/null and stdout/stderr
// append to `log_file` (its directory is created). The child gets this process's environment with
// OMP_WAIT_POLICY=passive added when unset (see training_environment). Returns the child's pid;
// the caller must reap it (waitpid) to avoid a zombie while this process lives. Throws LaunchError.
// `set_environment`: "NAME=value" entries that replace (or add to) the inherited ones, e.g. the
// CUDA_VISIBLE_DEVICES the scheduler gives a worker.
// A program that is being written (a rebuild or an upgrade replacing it under a running scheduler)
// cannot be executed until its writer closes it (ETXTBSY): the start is retried every 100 ms for up
// to kBusyProgramAttempts tries (30 s) before it fails.
pid_t spawn_detached(const std::vector<std::string>& argv, const std::string& log_file,
                     const std::vector<std::string>& set_environment = {});

constexpr int kBusyProgramAttempts = 300;
// Calls `attempt` (a posix_spawn returning an errno value) until it returns anything but ETXTBSY,
// at most `attempts` times, pausing `pause` between tries; returns the last result.
int retry_while_busy(const std::function<int()>& attempt, int attempts, std::chrono::milliseconds pause);

// OpenMP's default wait policy lets LibTorch's idle OpenMP threads spin while OpenBLAS's own
// threads multiply: on a 2-core machine a training step ran 2-5x slower than with
// OMP_WAIT_POLICY=passive (tests/bench/README.md). libgomp reads the variable once, when it loads,
// so a process cannot change it for itself: training processes are started with it instead.
// `environment` ("NAME=value" entries) plus OMP_WAIT_POLICY=passive unless it names a policy
// already (the user's choice wins).
std::vector<std::string> training_environment(const std::vector<std::string>& environment);
// This process's environment as "NAME=value" entries.
std::vector<std::string> current_environment();

// For a command that trains or encodes in this process: when OMP_WAIT_POLICY is unset, sets it
// to passive and replaces the process with the same executable and arguments (same pid), so
// libgomp loads with it; ~0.7 s of library loading, once. Returns (does nothing) when the
// variable is set or the exec fails.
void reexec_with_passive_openmp(char** argv);

enum class Liveness { alive, gone };

// What is known of a pid on this host. `gone` covers: no such process (ESRCH), a zombie, and a
// pid reused by a process started after `started_no_later_than` (unix seconds; 0 skips that check).
struct ProcessProbe {
  Liveness liveness = Liveness::alive;
  std::string detail;  // why it is considered gone, e.g. "no such process"
};
ProcessProbe probe_process(int64_t pid, double started_no_later_than = 0);

// Start time of a process in unix seconds from /proc, or nullopt when unknown.
std::optional<double> process_start_time(int64_t pid);

// "exited with code 1", "killed by signal 9 (SIGKILL)", ... for a waitpid status.
std::string describe_wait_status(int status);
// "SIGKILL" for 9, "signal 64" when the number has no name.
std::string signal_name(int signal_number);

// gethostname(), the same name the trainer records with mark_started.
std::string this_host_name();
// Absolute path of the running executable (/proc/self/exe, through runnable_program_path);
// throws LaunchError when unreadable.
std::string current_executable();
// What to start for a /proc/self/exe link target: itself; for "PATH (deleted)" (the file was
// replaced while this process runs: a rebuild, an upgrade) PATH when a program is there, else
// "/proc/self/exe" (this process's own image).
std::string runnable_program_path(std::string link_target);
// Where a run's worker writes stdout/stderr: "<db>.logs/run-<id>.log".
std::string worker_log_path(const std::string& database, int64_t run_id);

}  // namespace multipos::runs
