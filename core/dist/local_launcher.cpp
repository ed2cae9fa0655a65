#include "core/dist/local_launcher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/runs/process.hpp"

extern char** environ;

namespace multipos::dist {

namespace {

using Clock = std::chrono::steady_clock;

// The environment of one worker: ours, minus the variables we set, plus them.
std::vector<std::string> worker_environment(const LocalLaunch& launch, int rank, int port) {
  std::vector<std::pair<std::string, std::string>> set = {{"RANK", std::to_string(rank)},
                                                          {"LOCAL_RANK", std::to_string(rank)},
                                                          {"WORLD_SIZE", std::to_string(launch.processes)},
                                                          {"LOCAL_WORLD_SIZE", std::to_string(launch.processes)},
                                                          {"MASTER_ADDR", "127.0.0.1"},
                                                          {"MASTER_PORT", std::to_string(port)}};
  set.insert(set.end(), launch.extra_environment.begin(), launch.extra_environment.end());
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    std::string name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& [key, value] : set) replaced = replaced || key == name;
    if (!replaced) result.push_back(text);
  }
  for (const auto& [key, value] : set) result.push_back(key + "=" + value);
  return result;
}

pid_t start_worker(const LocalLaunch& launch, int rank, int port) {
  // Everything the child needs is built before fork: after it only exec-safe calls are allowed.
  std::vector<std::string> environment = worker_environment(launch, rank, port);
  std::vector<char*> envp, argv;
  for (auto& item : environment) envp.push_back(item.data());
  envp.push_back(nullptr);
  std::vector<std::string> arguments = launch.argv;
  for (auto& item : arguments) argv.push_back(item.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw runs::LaunchError("fork for rank " + std::to_string(rank) + ": " + std::strerror(errno));
  if (pid == 0) {
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

bool WorkerExit::ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

int free_local_port() {
  runs::UniqueFd socket_fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (socket_fd.get() < 0) throw runs::LaunchError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    throw runs::LaunchError(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
  socklen_t length = sizeof address;
  ::getsockname(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

std::vector<WorkerExit> run_local_workers(const LocalLaunch& launch) {
  const int port = free_local_port();
  std::vector<WorkerExit> workers;
  for (int rank = 0; rank < launch.processes; ++rank) {
    try {
      workers.push_back({rank, start_worker(launch, rank, port), 0, false, ""});
    } catch (const std::exception&) {
      for (const auto& worker : workers) kill(worker.pid, SIGKILL), waitpid(worker.pid, nullptr, 0);
      throw;
    }
  }
  std::vector<bool> done(workers.size(), false);
  size_t remaining = workers.size();
  bool stop_sent = false;
  bool failing = false;  // once a worker failed, the others get until kill_deadline
  Clock::time_point kill_deadline = Clock::now();
  while (remaining > 0) {
    for (size_t i = 0; i < workers.size(); ++i) {
      if (done[i]) continue;
      int status = 0;
      if (waitpid(workers[i].pid, &status, WNOHANG) != workers[i].pid) continue;
      done[i] = true;
      --remaining;
      workers[i].status = status;
      workers[i].description = "rank " + std::to_string(workers[i].rank) + " " + runs::describe_wait_status(status);
      // The others notice within the group timeout; past it (plus slack) they are killed.
      if (!workers[i].ok() && !failing) {
        failing = true;
        kill_deadline = Clock::now() + launch.timeout + std::chrono::seconds(10);
      }
    }
    if (!stop_sent && launch.stop_requested && launch.stop_requested()) {
      stop_sent = true;
      for (size_t i = 0; i < workers.size(); ++i)
        if (!done[i]) kill(workers[i].pid, SIGTERM);
    }
    if (failing && Clock::now() > kill_deadline) {
      for (size_t i = 0; i < workers.size(); ++i)
        if (!done[i]) kill(workers[i].pid, SIGKILL), workers[i].killed_by_launcher = true;
      failing = false;
    }
    if (remaining > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return workers;
}

}  // namespace multipos::dist
