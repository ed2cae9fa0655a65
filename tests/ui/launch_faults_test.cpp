// The studio's run control under faults (issue #16): a studio killed while it launches runs
// leaves no run claimed by a dead scheduler once `multipos doctor` ran, and two studios launching
// on one store at the same moment start every run exactly once. Each "studio" is a child process
// holding a ui::RunControl (the studio's launcher thread) that starts real `multipos train`
// workers; kills are triggered by the store's progress or a fault hook, never by a sleep.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "core/runs/process.hpp"
#include "tests/runs/soak_support.hpp"
#include "tests/support/temp_dir.hpp"
#include "ui/background/run_control.hpp"

using multipos::store::RunStore;
using multipos::testing::contains;
using multipos::testing::run;
using multipos::ui::RunControl;
using multipos::ui::RunControlOptions;

namespace {

// A hang guard only: every wait below ends on progress long before it.
constexpr auto kHangGuard = std::chrono::seconds(600);

RunControlOptions studio_options(const std::string& db, int runs_per_launch) {
  RunControlOptions options;
  options.db_path = db;
  options.worker_executable = multipos::testing::kBinary;
  options.hand_over_on_exit = false;
  options.tick_seconds = 0.05;
  options.factory.validate = [](const multipos::ui::LaunchRequest&) { return std::vector<std::string>{}; };
  options.factory.create = [runs_per_launch](const multipos::ui::LaunchRequest&, RunStore& store) {
    std::vector<int64_t> ids;
    for (int i = 0; i < runs_per_launch; ++i)
      ids.push_back(multipos::testing::create_quick_run(
          store, {{"steps", 3}, {"threads", 1}, {"eval", {{"at_end", false}}}, {"probe", {{"every", 0}}}}));
    return ids;
  };
  return options;
}

multipos::ui::LaunchRequest request(int max_concurrent) {
  multipos::ui::LaunchRequest launch;
  launch.objectives = {"infonce"};
  launch.steps = 3;
  launch.max_concurrent = max_concurrent;
  return launch;
}

template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + kHangGuard;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::vector<multipos::store::RunRecord> runs_of(const std::string& db) {
  return RunStore(db, RunStore::Mode::read_only).list_runs();
}

bool all_done(const std::string& db, size_t expected) {
  auto runs = runs_of(db);
  if (runs.size() != expected) return false;
  for (const auto& r : runs)
    if (r.status == "queued" || r.status == "running") return false;
  return true;
}

// A studio in a child process: launches once `go` is readable, then (unless killed) waits until
// every run is done and writes the ids of the runs it started to `started_file`.
pid_t start_studio(const std::string& db, int runs_per_launch, size_t total_runs, int go, const std::string& fault,
                   const std::string& started_file) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  alarm(900);  // the child's own hang guard
  if (!fault.empty()) setenv("MULTIPOS_FAULT", fault.c_str(), 1);
  char byte = 0;
  if (go >= 0 && read(go, &byte, 1) != 1) _exit(4);
  std::set<std::string> started;
  {
    RunControl control(studio_options(db, runs_per_launch));
    control.launch(request(2));
    const auto deadline = std::chrono::steady_clock::now() + kHangGuard;
    while (!all_done(db, total_runs) && std::chrono::steady_clock::now() < deadline) {
      for (const auto& message : control.take_messages()) started.insert(message.text);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& message : control.take_messages()) started.insert(message.text);
  }
  std::ofstream out(started_file);
  for (const auto& text : started)
    if (text.rfind("Started run #", 0) == 0) out << std::stoll(text.substr(13)) << "\n";
  out.close();
  _exit(all_done(db, total_runs) ? 0 : 5);
}

int worker_starts(const RunStore& store, int64_t run_id) {
  int starts = 0;
  for (const auto& event : store.events_after(0, run_id)) starts += event.message.rfind("training ", 0) == 0;
  return starts;
}

}  // namespace

// The studio dies between claiming a queued run and starting its worker (MULTIPOS_FAULT makes it
// SIGKILL itself exactly there): doctor marks the stranded claim failed at once (it used to stay
// "running" until the heartbeat timeout), and resuming it runs it normally.
TEST(LaunchFaults, StudioKilledBetweenClaimAndWorkerStartLeavesNoClaimAfterDoctor) {
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  RunStore(db).list_runs();  // create the store before the children open it
  pid_t studio = start_studio(db, 2, 2, -1, "scheduler_after_claim", dir.file("started"));
  int status = 0;
  waitpid(studio, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << multipos::runs::describe_wait_status(status);
  auto claimed = runs_of(db);
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].status, "running");
  EXPECT_EQ(claimed[0].pid, -studio) << "the claim names the claiming scheduler";
  EXPECT_EQ(claimed[1].status, "queued");

  auto doctor = run("doctor --db \"" + db + "\"");
  EXPECT_EQ(doctor.status, 0) << doctor.output;
  EXPECT_TRUE(contains(doctor.output,
                       "run 1 marked failed: claimed by scheduler pid " + std::to_string(studio) + ", which is gone"))
      << doctor.output;
  for (const auto& r : runs_of(db)) EXPECT_NE(r.status, "running") << "run " << r.id << " is still claimed";

  RunStore(db).requeue(1);
  auto scheduler = run("scheduler --db \"" + db + "\" --max-concurrent 1");
  EXPECT_EQ(scheduler.status, 0) << scheduler.output;
  RunStore store(db, RunStore::Mode::read_only);
  for (const auto& r : store.list_runs()) {
    EXPECT_EQ(r.status, "finished") << "run " << r.id << ": " << r.error;
    EXPECT_EQ(worker_starts(store, r.id), 1) << "run " << r.id;
  }
}

// The studio is SIGKILLed from outside as soon as the store shows its first run claimed: whatever
// moment that is (before or after the worker's start), doctor leaves no run claimed by it.
TEST(LaunchFaults, StudioKilledOnceItsFirstRunIsClaimedLeavesNoClaimAfterDoctor) {
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  RunStore(db).list_runs();
  pid_t studio = start_studio(db, 3, 3, -1, "", dir.file("started"));
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : runs_of(db))
      if (r.status != "queued") return true;
    return false;
  }));
  kill(studio, SIGKILL);
  int status = 0;
  waitpid(studio, &status, 0);

  auto doctor = run("doctor --db \"" + db + "\"");
  EXPECT_EQ(doctor.status, 0) << doctor.output;
  for (const auto& r : runs_of(db)) {
    if (r.status != "running") continue;
    EXPECT_GT(r.pid, 0) << "run " << r.id << " is claimed by the dead studio after doctor\n" << doctor.output;
    EXPECT_EQ(multipos::runs::probe_process(r.pid, r.started_at).liveness, multipos::runs::Liveness::alive)
        << "a running run's worker lives (it outlives the studio)";
  }
  // Workers that had started finish on their own; nothing stays running.
  ASSERT_TRUE(eventually([&] {
    for (const auto& r : runs_of(db))
      if (r.status == "running") return false;
    return true;
  }));
}

// Two studios on one store press "Launch" at the same moment (released together through a pipe),
// each queueing three runs and scheduling the whole queue, two at a time: every run is started by
// exactly one of them and trained by exactly one worker.
TEST(LaunchFaults, TwoStudiosLaunchingAtOnceStartEveryRunOnce) {
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  RunStore(db).list_runs();
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t first = start_studio(db, 3, 6, go[0], "", dir.file("first"));
  pid_t second = start_studio(db, 3, 6, go[0], "", dir.file("second"));
  close(go[0]);
  ASSERT_EQ(write(go[1], "xx", 2), 2);
  close(go[1]);
  for (pid_t studio : {first, second}) {
    int status = 0;
    waitpid(studio, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << multipos::runs::describe_wait_status(status);
  }
  std::map<int64_t, int> started;
  for (const char* name : {"first", "second"}) {
    std::ifstream in(dir.file(name));
    for (int64_t id = 0; in >> id;) ++started[id];
  }
  RunStore store(db, RunStore::Mode::read_only);
  auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 6u);
  for (const auto& r : runs) {
    EXPECT_EQ(r.status, "finished") << "run " << r.id << ": " << r.error;
    EXPECT_EQ(started[r.id], 1) << "run " << r.id << " started by both studios or by none";
    EXPECT_EQ(worker_starts(store, r.id), 1) << "run " << r.id << " trained by more than one worker";
  }
  EXPECT_EQ(store.integrity_check(), "ok");
}
