// The real process helpers: detached spawning into a new session with output in a log file,
// liveness probes (live, reaped, zombie), wait statuses in words, and the WorkerLauncher's
// start / probe / signal / collect cycle on a stand-in worker script.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/runs/process.hpp"
#include "core/runs/worker_launcher.hpp"
#include "core/store/run_store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace multipos::runs;
using multipos::testing::TempDir;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Waits up to `seconds` for `condition`.
template <typename Condition>
bool eventually(Condition condition, double seconds = 10) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// Kills and reaps a child when a test ends early, so no stray process outlives the test.
struct ChildGuard {
  pid_t pid;
  ~ChildGuard() {
    if (pid > 0 && ::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
  }
};

}  // namespace

TEST(Process, DescribesWaitStatusesOfRealChildren) {
  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(describe_wait_status(status), "killed by signal 9 (SIGKILL)");

  child = fork();
  if (child == 0) _exit(3);
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(describe_wait_status(status), "exited with code 3");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(64), "signal 64");
}

TEST(Process, ProbeSeesLiveZombieAndReapedProcesses) {
  EXPECT_EQ(probe_process(getpid()).liveness, Liveness::alive);
  EXPECT_EQ(probe_process(0).liveness, Liveness::gone);

  pid_t child = fork();
  if (child == 0) _exit(0);
  ChildGuard guard{child};
  ASSERT_TRUE(eventually([&] { return probe_process(child).liveness == Liveness::gone; }))
      << "an exited, unreaped child is a zombie and counts as gone";
  EXPECT_NE(probe_process(child).detail.find("zombie"), std::string::npos) << probe_process(child).detail;
  ::waitpid(child, nullptr, 0);
  guard.pid = 0;
  auto reaped = probe_process(child);
  EXPECT_EQ(reaped.liveness, Liveness::gone);
  EXPECT_EQ(reaped.detail, "no such process");
}

TEST(Process, ProbeTreatsAReusedPidAsGone) {
  auto started = process_start_time(getpid());
  ASSERT_TRUE(started.has_value());
  double now = multipos::store::now_seconds();
  EXPECT_LE(*started, now + 2);
  EXPECT_GT(*started, now - 24 * 3600 * 365.0);
  // A run that started an hour before this process: this pid cannot be its worker.
  auto probe = probe_process(getpid(), *started - 3600);
  EXPECT_EQ(probe.liveness, Liveness::gone);
  EXPECT_NE(probe.detail.find("started after the worker"), std::string::npos);
  EXPECT_EQ(probe_process(getpid(), *started + 1).liveness, Liveness::alive);
}

TEST(Process, SpawnDetachedStartsANewSessionWithOutputInTheLog) {
  TempDir dir;
  std::string log = dir.file("logs/child.log");  // the directory does not exist yet
  pid_t child = spawn_detached({"/bin/sh", "-c", "echo out; echo err >&2; read line; echo \"stdin:$line\""}, log);
  ChildGuard guard{child};
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  guard.pid = 0;
  EXPECT_EQ(describe_wait_status(status), "exited with code 0");
  EXPECT_EQ(read_file(log), "out\nerr\nstdin:\n") << "stdout and stderr append to the log; stdin is empty";

  pid_t sleeper = spawn_detached({"/bin/sleep", "30"}, log);
  ChildGuard sleeper_guard{sleeper};
  EXPECT_EQ(getsid(sleeper), sleeper) << "the child leads its own session";
  EXPECT_NE(getsid(sleeper), getsid(0));
}

TEST(Process, SpawnDetachedNamesWhatFailed) {
  TempDir dir;
  try {
    spawn_detached({dir.file("missing-program")}, dir.file("log"));
    FAIL() << "spawning a missing program must throw";
  } catch (const LaunchError& error) {
    EXPECT_NE(std::string(error.what()).find("missing-program"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("No such file"), std::string::npos) << error.what();
  }
  EXPECT_THROW(spawn_detached({"/bin/true"}, "/proc/forbidden/log"), LaunchError);
}

TEST(WorkerLauncher, StartsProbesSignalsAndCollectsAWorker) {
  TempDir dir;
  std::string script = dir.file("fake-multipos");
  {
    std::ofstream file(script);
    file << "#!/bin/sh\necho \"args: $*\"\nexec sleep 30\n";
  }
  ::chmod(script.c_str(), 0755);
  std::string database = dir.file("runs.sqlite");
  WorkerLauncher launcher(script, database);
  EXPECT_EQ(launcher.host(), this_host_name());

  int64_t pid = launcher.start(7);
  ChildGuard guard{static_cast<pid_t>(pid)};
  EXPECT_EQ(launcher.live_children(), 1u);
  EXPECT_EQ(launcher.probe(pid, multipos::store::now_seconds()).liveness, Liveness::alive);
  std::string log = worker_log_path(database, 7);
  EXPECT_EQ(log, database + ".logs/run-7.log");
  ASSERT_TRUE(eventually([&] { return !read_file(log).empty(); }));
  EXPECT_EQ(read_file(log), "args: train --db " + database + " --run 7\n");
  EXPECT_TRUE(launcher.collect_exits().empty());

  launcher.signal(pid, SIGKILL);
  std::vector<WorkerExit> exits;
  ASSERT_TRUE(eventually([&] {
    auto more = launcher.collect_exits();
    exits.insert(exits.end(), more.begin(), more.end());
    return !exits.empty();
  }));
  guard.pid = 0;
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].pid, pid);
  EXPECT_EQ(describe_wait_status(exits[0].wait_status), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(launcher.live_children(), 0u);
  EXPECT_EQ(launcher.probe(pid, 0).liveness, Liveness::gone);
  EXPECT_THROW(launcher.signal(pid, SIGTERM), LaunchError) << "signalling a reaped worker names the pid";
}

// Training processes get OpenMP's passive wait policy (libgomp reads it only when it loads), unless
// the user chose a policy: the spawned child's environment says which.
TEST(Process, WorkersStartWithPassiveOpenMpUnlessAPolicyIsChosen) {
  EXPECT_EQ(training_environment({"A=1", "PATH=/bin"}),
            (std::vector<std::string>{"A=1", "PATH=/bin", "OMP_WAIT_POLICY=passive"}));
  EXPECT_EQ(training_environment({"OMP_WAIT_POLICY=active", "B=2"}),
            (std::vector<std::string>{"OMP_WAIT_POLICY=active", "B=2"}));
  EXPECT_EQ(training_environment({"OMP_WAIT_POLICY_X=1"}).back(), "OMP_WAIT_POLICY=passive")
      << "only the exact name counts as a choice";

  const char* saved = std::getenv("OMP_WAIT_POLICY");
  const std::string original = saved ? saved : "";
  TempDir dir;
  auto child_policy = [&](const std::string& name) {
    std::string log = dir.file(name);
    pid_t child = spawn_detached({"/bin/sh", "-c", "echo \"policy=$OMP_WAIT_POLICY\""}, log);
    int status = 0;
    ::waitpid(child, &status, 0);
    return read_file(log);
  };
  ::unsetenv("OMP_WAIT_POLICY");
  EXPECT_EQ(child_policy("unset.log"), "policy=passive\n");
  EXPECT_EQ(std::getenv("OMP_WAIT_POLICY"), nullptr) << "the parent's own environment is left alone";
  ::setenv("OMP_WAIT_POLICY", "active", 1);
  EXPECT_EQ(child_policy("active.log"), "policy=active\n");
  if (saved) ::setenv("OMP_WAIT_POLICY", original.c_str(), 1);
  else ::unsetenv("OMP_WAIT_POLICY");
}

// A scheduler started before a rebuild spawns its next worker after it: /proc/self/exe then reads
// ".../multipos (deleted)", which cannot be started; the program now at that path can.
TEST(Process, AReplacedProgramIsStartedFromItsPathAndARemovedOneFromItsImage) {
  EXPECT_EQ(runnable_program_path("/bin/sh"), "/bin/sh");
  EXPECT_EQ(runnable_program_path("/bin/sh (deleted)"), "/bin/sh");
  TempDir dir;
  EXPECT_EQ(runnable_program_path(dir.file("gone") + " (deleted)"), "/proc/self/exe");
  std::ofstream(dir.file("not-runnable")) << "text\n";
  EXPECT_EQ(runnable_program_path(dir.file("not-runnable") + " (deleted)"), "/proc/self/exe");
  EXPECT_EQ(runnable_program_path(" (deleted)"), " (deleted)") << "a name that is only the suffix is left alone";
  EXPECT_EQ(current_executable().find(" (deleted)"), std::string::npos);
}

// Found by scripts/stress-tests (Workers.QueuedRunsStillStartAfterTheProgramIsRebuilt, an idle
// run): a scheduler that starts the next worker while the program is being rewritten (a rebuild)
// got ETXTBSY and failed the run. The start now waits for the writer to finish. Shown here with
// a real program held open for writing: the kernel refuses it, and the retry starts it once the
// writer closes it (on the retry's third try, so no timing is involved).
TEST(Process, AProgramBeingWrittenIsStartedOnceItsWriterClosesIt) {
  TempDir dir;
  const std::string program = dir.file("true");
  std::filesystem::copy_file("/bin/true", program);
  std::filesystem::permissions(program, std::filesystem::perms::owner_all);
  int writer = ::open(program.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  char* const argv[] = {const_cast<char*>(program.c_str()), nullptr};
  pid_t pid = 0;
  auto spawn = [&] { return posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, environ); };
  EXPECT_EQ(multipos::runs::retry_while_busy(spawn, 1, std::chrono::milliseconds(0)), ETXTBSY)
      << "the kernel refuses a program open for writing";

  int tries = 0;
  const int result = multipos::runs::retry_while_busy(
      [&] {
        if (++tries == 3) ::close(writer);
        return spawn();
      },
      10, std::chrono::milliseconds(0));
  ASSERT_EQ(result, 0);
  EXPECT_EQ(tries, 3);
  int status = -1;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  tries = 0;
  EXPECT_EQ(multipos::runs::retry_while_busy([&] { return ++tries, ENOENT; }, 10, std::chrono::milliseconds(0)), ENOENT);
  EXPECT_EQ(tries, 1) << "only ETXTBSY is retried";
  tries = 0;
  EXPECT_EQ(multipos::runs::retry_while_busy([&] { return ++tries, ETXTBSY; }, 4, std::chrono::milliseconds(0)), ETXTBSY);
  EXPECT_EQ(tries, 4) << "within the bound";
}
