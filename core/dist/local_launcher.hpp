// `multipos train --nproc N`: starts N worker processes of this machine as one data-parallel
// group (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT set for each),
// forwards a stop request to them and waits; a worker that fails makes the launcher wait for the
// others to fail on their own (they do within the group timeout) before it kills what is left.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace multipos::dist {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int free_local_port();

struct LocalLaunch {
  std::vector<std::string> argv;  // argv[0]: the program; each worker gets the same arguments
  int processes = 2;
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};  // the group's timeout
  std::vector<std::pair<std::string, std::string>> extra_environment;
  std::function<bool()> stop_requested;  // polled; true once sends SIGTERM to every worker
};

struct WorkerExit {
  int rank = 0;
  pid_t pid = 0;
  int status = 0;  // waitpid status
  bool killed_by_launcher = false;
  std::string description;  // "rank 1 exited with code 1", "rank 0 killed by signal 9 (SIGKILL)"
  bool ok() const;
};

// Starts the workers and waits for all of them. Throws runs::LaunchError when one cannot start
// (the ones already started are killed).
std::vector<WorkerExit> run_local_workers(const LocalLaunch& launch);

}  // namespace multipos::dist
