#include "core/runs/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace multipos::runs {

namespace {

std::string system_error(int error) { return std::strerror(error); }

// RAII for the two posix_spawn attribute objects.
struct SpawnAttributes {
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
  SpawnAttributes() {
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnAttributes() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
};

// Reads "/proc/<pid>/stat" and returns the fields after the command name (which may hold spaces
// and parentheses, hence the search for the last ')'); field 3 (state) comes first.
std::optional<std::vector<std::string>> proc_stat_fields(int64_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!file || !std::getline(file, line)) return std::nullopt;
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

std::optional<double> boot_time() {
  std::ifstream file("/proc/stat");
  for (std::string key; file >> key;) {
    if (key == "btime") {
      double seconds = 0;
      if (file >> seconds) return seconds;
      return std::nullopt;
    }
    file.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) entries.emplace_back(*entry);
  return entries;
}

std::vector<std::string> training_environment(const std::vector<std::string>& environment) {
  std::vector<std::string> result = environment;
  const std::string name = "OMP_WAIT_POLICY=";
  const bool chosen = std::any_of(environment.begin(), environment.end(),
                                  [&](const std::string& entry) { return entry.compare(0, name.size(), name) == 0; });
  if (!chosen) result.push_back(name + "passive");
  return result;
}

void reexec_with_passive_openmp(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  std::string self;
  try {
    self = current_executable();  // its real path, so ps and top still show "multipos", not "exe"
  } catch (const LaunchError&) {
    return;
  }
  ::setenv("OMP_WAIT_POLICY", "passive", 1);  // at start-up, before any thread exists
  ::execv(self.c_str(), argv);
  // exec failed (no /proc?): carry on with the default policy, unset again so workers still get it.
  ::unsetenv("OMP_WAIT_POLICY");
}

pid_t spawn_detached(const std::vector<std::string>& argv, const std::string& log_file,
                     const std::vector<std::string>& set_environment) {
  if (argv.empty()) throw LaunchError("spawn_detached: no program given");
  std::error_code error;
  auto log_dir = std::filesystem::path(log_file).parent_path();
  if (!log_dir.empty()) std::filesystem::create_directories(log_dir, error);
  if (error) throw LaunchError("cannot create log directory " + log_dir.string() + ": " + error.message());
  // O_CLOEXEC: another thread spawning at the same moment must not inherit this log.
  UniqueFd log(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log.get() < 0) throw LaunchError("cannot open log file " + log_file + ": " + system_error(errno));

  SpawnAttributes spawn;
  sigset_t defaults, empty;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  // Ignored signals survive exec: a worker started by a process that ignores SIGINT/SIGTERM
  // would otherwise be unstoppable.
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) sigaddset(&defaults, signal_number);
  posix_spawnattr_setsigdefault(&spawn.attributes, &defaults);
  posix_spawnattr_setsigmask(&spawn.attributes, &empty);
  posix_spawnattr_setflags(&spawn.attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawn_file_actions_addopen(&spawn.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&spawn.actions, log.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&spawn.actions, log.get(), STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  posix_spawn_file_actions_addclosefrom_np(&spawn.actions, STDERR_FILENO + 1);  // the studio's GL and socket fds
#endif

  std::vector<char*> arguments;
  for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  // An explicit environment, never setenv: the studio spawns from a process with other threads.
  std::vector<std::string> environment = training_environment(current_environment());
  for (const auto& entry : set_environment) {
    const std::string name = entry.substr(0, entry.find('=') + 1);
    environment.erase(std::remove_if(environment.begin(), environment.end(),
                                     [&](const std::string& have) { return have.compare(0, name.size(), name) == 0; }),
                      environment.end());
    environment.push_back(entry);
  }
  std::vector<char*> entries;
  for (const auto& entry : environment) entries.push_back(const_cast<char*>(entry.c_str()));
  entries.push_back(nullptr);
  pid_t pid = 0;
  const int result = retry_while_busy(
      [&] { return posix_spawn(&pid, argv[0].c_str(), &spawn.actions, &spawn.attributes, arguments.data(), entries.data()); },
      kBusyProgramAttempts, std::chrono::milliseconds(100));
  if (result == ETXTBSY)
    throw LaunchError("cannot start " + argv[0] + ": " + system_error(result) + " (still being written after " +
                      std::to_string(kBusyProgramAttempts / 10) + " s)");
  if (result != 0) throw LaunchError("cannot start " + argv[0] + ": " + system_error(result));
  return pid;
}

int retry_while_busy(const std::function<int()>& attempt, int attempts, std::chrono::milliseconds pause) {
  int result = attempt();
  for (int tried = 1; result == ETXTBSY && tried < attempts; ++tried) {
    std::this_thread::sleep_for(pause);
    result = attempt();
  }
  return result;
}

std::optional<double> process_start_time(int64_t pid) {
  auto fields = proc_stat_fields(pid);
  auto boot = boot_time();
  // starttime is field 22 of the stat line; the vector starts at field 3.
  if (!fields || fields->size() < 20 || !boot) return std::nullopt;
  long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0) return std::nullopt;
  return *boot + std::stod((*fields)[19]) / static_cast<double>(ticks_per_second);
}

ProcessProbe probe_process(int64_t pid, double started_no_later_than) {
  if (pid <= 0) return {Liveness::gone, "no pid recorded"};
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return {Liveness::gone, "no such process"};
  // EPERM means it exists but belongs to someone else: still look at /proc below.
  if (auto fields = proc_stat_fields(pid)) {
    if (!fields->empty() && ((*fields)[0] == "Z" || (*fields)[0] == "X"))
      return {Liveness::gone, "exited (a zombie its parent has not reaped yet)"};
  }
  if (started_no_later_than > 0) {
    // The clock-tick start time and the boot time in whole seconds leave about a second of slack.
    constexpr double kSlackSeconds = 5;
    auto started = process_start_time(pid);
    if (started && *started > started_no_later_than + kSlackSeconds)
      return {Liveness::gone, "pid now belongs to a process started after the worker"};
  }
  return {Liveness::alive, ""};
}

std::string signal_name(int signal_number) {
  switch (signal_number) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGXCPU:
      return "SIGXCPU";
    default:
      return "signal " + std::to_string(signal_number);
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int number = WTERMSIG(status);
    std::string text = "killed by signal " + std::to_string(number) + " (" + signal_name(number) + ")";
    if (WCOREDUMP(status)) text += ", core dumped";
    return text;
  }
  return "ended with wait status " + std::to_string(status);
}

std::string this_host_name() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

std::string runnable_program_path(std::string link_target) {
  // Rebuilt or upgraded while running: the link names the old file "... (deleted)". Workers start
  // from the program now at that path; if nothing runnable is there, from this process's own image.
  const std::string deleted = " (deleted)";
  if (link_target.size() > deleted.size() &&
      link_target.compare(link_target.size() - deleted.size(), deleted.size(), deleted) == 0) {
    link_target.resize(link_target.size() - deleted.size());
    if (::access(link_target.c_str(), X_OK) != 0) return "/proc/self/exe";
  }
  return link_target;
}

std::string current_executable() {
  std::error_code error;
  std::string path = std::filesystem::read_symlink("/proc/self/exe", error).string();
  if (error) throw LaunchError("cannot find this program's path (/proc/self/exe): " + error.message());
  return runnable_program_path(path);
}

std::string worker_log_path(const std::string& database, int64_t run_id) {
  return database + ".logs/run-" + std::to_string(run_id) + ".log";
}

}  // namespace multipos::runs
