// Background training with the real binary: queued runs train one after another under a limit
// of one, a worker killed with SIGKILL is marked failed with its signal while the database stays
// intact, `stop` / `cancel` end a running and a queued run, and `doctor` refuses a damaged file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "core/runs/process.hpp"
#include "core/store/run_store.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::runs::Liveness;
using multipos::runs::probe_process;
using multipos::store::RunRecord;
using multipos::store::RunStore;
using multipos::testing::contains;
using multipos::testing::kBinary;
using multipos::testing::kQuickPreset;
using multipos::testing::Result;
using multipos::testing::run;
using multipos::testing::TempDir;

namespace {


// Polls until `condition` holds (`seconds` is a hang guard). A store the launcher has created but
// not yet given its schema reads as "not yet", not as a failure (seen under load).
template <typename Condition>
bool eventually(Condition condition, double seconds) {
  auto holds = [&] {
    try {
      return static_cast<bool>(condition());
    } catch (const multipos::store::StoreError&) {
      return false;
    }
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (holds()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return holds();
}

std::vector<RunRecord> runs_of(const std::string& db) { return RunStore(db, RunStore::Mode::read_only).list_runs(); }

RunRecord run_of(const std::string& db, int64_t id) { return *RunStore(db, RunStore::Mode::read_only).find_run(id); }

// Loss steps of a run and how often each was stored.
std::map<int64_t, int> loss_step_counts(const std::string& db, int64_t run_id) {
  std::map<int64_t, int> counts;
  for (const auto& point : RunStore(db, RunStore::Mode::read_only).scalars_after(0, run_id))
    if (point.name == "loss") ++counts[point.step];
  return counts;
}

void expect_each_loss_step_once(const std::string& db, int64_t run_id, int64_t last_step) {
  auto counts = loss_step_counts(db, run_id);
  EXPECT_EQ(static_cast<int64_t>(counts.size()), last_step + 1) << "run " << run_id << ": steps 0.." << last_step;
  int64_t expected = 0;
  for (const auto& [step, count] : counts) {
    EXPECT_EQ(step, expected++) << "run " << run_id << ": a step is missing";
    EXPECT_EQ(count, 1) << "run " << run_id << ": step " << step << " stored " << count << " times";
  }
}

int64_t scheduler_pid_from(const std::string& launch_output) {
  std::smatch match;
  if (!std::regex_search(launch_output, match, std::regex("scheduler pid (\\d+)"))) return 0;
  return std::stoll(match[1]);
}

// Kills whatever a failed test leaves behind (the workers and the scheduler are not our
// children: they run in their own sessions), so no training outlives the test.
struct BackgroundGuard {
  std::string db;
  int64_t scheduler_pid = 0;
  ~BackgroundGuard() {
    if (scheduler_pid > 0 && probe_process(scheduler_pid).liveness == Liveness::alive) ::kill(scheduler_pid, SIGKILL);
    try {
      for (const auto& run : runs_of(db))
        if (run.status == "running" && run.pid > 0 &&
            probe_process(run.pid, run.started_at).liveness == Liveness::alive)
          ::kill(static_cast<pid_t>(run.pid), SIGKILL);
    } catch (...) {
    }
  }
};

std::string launch_arguments(const std::string& db, const std::string& objectives, int steps) {
  return "launch --config \"" + kQuickPreset + "\" --db \"" + db + "\" --objective " + objectives +
         " --max-concurrent 1 --baseline none --set steps=" + std::to_string(steps);
}

}  // namespace

TEST(Workers, QueuedRunsTrainOneAfterAnotherAndAllFinish) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  BackgroundGuard guard{db};
  Result launch = run(launch_arguments(db, "infonce,jointlh,lsepair", 40));
  ASSERT_EQ(launch.status, 0) << launch.output;
  guard.scheduler_pid = scheduler_pid_from(launch.output);
  ASSERT_GT(guard.scheduler_pid, 0) << launch.output;
  EXPECT_TRUE(contains(launch.output, "queued run 3")) << launch.output;

  int most_running = 0;
  bool all_finished = eventually(
      [&] {
        auto runs = runs_of(db);
        int running = 0, finished = 0;
        for (const auto& r : runs) {
          running += r.status == "running";
          finished += r.status == "finished";
        }
        most_running = std::max(most_running, running);
        return runs.size() == 3 && finished == 3;
      },
      240);
  auto runs = runs_of(db);
  ASSERT_TRUE(all_finished) << "run 1: " << runs[0].status << " " << runs[0].error;
  EXPECT_LE(most_running, 1);
  // The scheduler waits for its workers to exit, so their logs are complete once it is gone.
  EXPECT_TRUE(eventually([&] { return probe_process(guard.scheduler_pid).liveness == Liveness::gone; }, 150))
      << "the scheduler exits once nothing is queued or running";
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].last_step, 39);
    EXPECT_EQ(runs[i].error, "");
    expect_each_loss_step_once(db, runs[i].id, 39);
    if (i > 0) {
      EXPECT_GE(runs[i].started_at, runs[i - 1].finished_at) << "run " << runs[i].id << " overlapped the previous";
    }
    std::ifstream log(multipos::runs::worker_log_path(db, runs[i].id));
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(contains(text, "[run " + std::to_string(runs[i].id) + "] finished after 40 steps")) << text;
  }
}

TEST(Workers, KilledWorkerIsMarkedFailedWithItsSignalAndTheDatabaseStaysIntact) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  BackgroundGuard guard{db};
  Result launch = run(launch_arguments(db, "infonce", 200000));
  ASSERT_EQ(launch.status, 0) << launch.output;
  guard.scheduler_pid = scheduler_pid_from(launch.output);
  ASSERT_TRUE(eventually(
      [&] {
        auto r = run_of(db, 1);
        return r.status == "running" && r.pid > 0 && r.last_step >= 10;
      },
      60))
      << run_of(db, 1).status;
  RunRecord before = run_of(db, 1);
  ASSERT_EQ(::kill(static_cast<pid_t>(before.pid), SIGKILL), 0);

  ASSERT_TRUE(eventually([&] { return run_of(db, 1).status == "failed"; }, 150)) << run_of(db, 1).status;
  RunRecord after = run_of(db, 1);
  EXPECT_TRUE(
      contains(after.error, "worker pid " + std::to_string(before.pid) + " killed by signal 9 (SIGKILL) at step "))
      << after.error;
  EXPECT_EQ(RunStore(db).integrity_check(), "ok");
  expect_each_loss_step_once(db, 1, after.last_step);
  EXPECT_TRUE(contains(after.error, "at step " + std::to_string(after.last_step))) << after.error;

  Result doctor = run("doctor --db \"" + db + "\"");
  EXPECT_EQ(doctor.status, 0) << doctor.output;
  EXPECT_TRUE(contains(doctor.output, "integrity_check: ok")) << doctor.output;
  EXPECT_TRUE(contains(doctor.output, "0 dead run(s) reaped; 0 running, 0 queued")) << doctor.output;
  EXPECT_TRUE(eventually([&] { return probe_process(guard.scheduler_pid).liveness == Liveness::gone; }, 150));
}

TEST(Workers, StopEndsAnOrphanedRunningRunAndCancelAQueuedOne) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  BackgroundGuard guard{db};
  Result launch = run(launch_arguments(db, "infonce,jointlh", 200000));
  ASSERT_EQ(launch.status, 0) << launch.output;
  guard.scheduler_pid = scheduler_pid_from(launch.output);
  ASSERT_TRUE(eventually(
      [&] {
        auto r = run_of(db, 1);
        return r.status == "running" && r.pid > 0 && r.last_step >= 3;
      },
      60));
  EXPECT_EQ(run_of(db, 2).status, "queued");

  Result refused = run("cancel --db \"" + db + "\" --run 1");
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_TRUE(contains(refused.output, "run 1 is running, not queued: use stop")) << refused.output;

  Result cancel = run("cancel --db \"" + db + "\" --run 2");
  EXPECT_EQ(cancel.status, 0) << cancel.output;
  EXPECT_EQ(run_of(db, 2).status, "stopped");
  EXPECT_EQ(run_of(db, 2).error, "cancelled before it started");

  // The worker lives in its own session: killing the scheduler that started it does not end it.
  ASSERT_EQ(::kill(static_cast<pid_t>(guard.scheduler_pid), SIGKILL), 0);
  ASSERT_TRUE(eventually([&] { return probe_process(guard.scheduler_pid).liveness == Liveness::gone; }, 120));
  int64_t step_when_orphaned = run_of(db, 1).last_step;
  EXPECT_TRUE(eventually([&] { return run_of(db, 1).last_step >= step_when_orphaned + 5; }, 300))
      << "the orphaned worker keeps training";

  Result stop = run("stop --db \"" + db + "\" --run 1");
  EXPECT_EQ(stop.status, 0) << stop.output;
  EXPECT_TRUE(contains(stop.output, "run 1 stopped")) << stop.output;
  RunRecord stopped = run_of(db, 1);
  EXPECT_EQ(stopped.status, "stopped");
  EXPECT_EQ(stopped.error, "");
  expect_each_loss_step_once(db, 1, stopped.last_step);
  EXPECT_TRUE(loss_step_counts(db, 2).empty()) << "the cancelled run never trained";
}

TEST(Workers, LaunchWaitSchedulesInTheForegroundAndRefusesBadConfigs) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  BackgroundGuard guard{db};
  Result bad = run(launch_arguments(db, "infonce,no-such-objective", 10) + " --wait");
  EXPECT_NE(bad.status, 0) << bad.output;
  EXPECT_TRUE(contains(bad.output, "no-such-objective")) << bad.output;
  EXPECT_TRUE(runs_of(db).empty()) << "a bad objective creates no run at all";

  Result good = run(launch_arguments(db, "lsepair", 10) + " --wait");
  EXPECT_EQ(good.status, 0) << good.output;
  EXPECT_TRUE(contains(good.output, "started run 1 (worker pid ")) << good.output;
  EXPECT_TRUE(contains(good.output, "run 1 finished")) << good.output;
  EXPECT_EQ(run_of(db, 1).last_step, 9);

  // Baselines alone: scored in the foreground, nothing queued, no scheduler started for nothing.
  Result baselines = run("launch --config \"" + kQuickPreset + "\" --db \"" + db + "\" --objective none --baseline bm25");
  EXPECT_EQ(baselines.status, 0) << baselines.output;
  EXPECT_TRUE(contains(baselines.output, "nothing to train")) << baselines.output;
  EXPECT_FALSE(contains(baselines.output, "scheduler pid")) << baselines.output;
  ASSERT_EQ(runs_of(db).size(), 2u);
  EXPECT_EQ(run_of(db, 2).objective, "bm25");
  EXPECT_EQ(run_of(db, 2).status, "finished");
}

// Rebuilding multipos while a scheduler works through a queue (the file replaced under it) must not
// fail the queued runs: the next worker starts from the program at that path. (Which path a
// process resolves for itself after a replacement: Process.AReplacedProgramIsStartedFrom...)
TEST(Workers, QueuedRunsStillStartAfterTheProgramIsRebuilt) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  BackgroundGuard guard{db};
  const std::string program = dir.file("bin/multipos");
  std::filesystem::create_directories(dir.file("bin"));
  std::filesystem::copy_file(kBinary, program);
  pid_t launcher = fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    std::string log = dir.file("launch.log");
    freopen(log.c_str(), "w", stdout);
    freopen(log.c_str(), "a", stderr);
    execl(program.c_str(), program.c_str(), "launch", "--config", kQuickPreset.c_str(), "--db", db.c_str(),
          "--objective", "infonce,jointlh", "--max-concurrent", "1", "--baseline", "none", "--set", "steps=400",
          "--set", "eval.at_end=false", "--wait", static_cast<char*>(nullptr));
    _exit(127);
  }
  guard.scheduler_pid = launcher;
  ASSERT_TRUE(eventually(
      [&] { return std::filesystem::exists(db) && runs_of(db).size() == 2 && run_of(db, 1).status == "running"; },
      300));
  ASSERT_EQ(run_of(db, 2).status, "queued") << "the file must be replaced before the second worker starts";
  // What a rebuild does: a new file at the same path; the running scheduler's image is "(deleted)".
  std::filesystem::remove(program);
  std::filesystem::copy_file(kBinary, program);

  int status = 0;
  ASSERT_TRUE(eventually([&] { return ::waitpid(launcher, &status, WNOHANG) == launcher; }, 240));
  guard.scheduler_pid = 0;
  for (int64_t id : {1, 2}) {
    RunRecord record = run_of(db, id);
    EXPECT_EQ(record.status, "finished") << "run " << id << ": " << record.error;
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(Workers, DoctorRefusesADamagedDatabase) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  {
    RunStore store(db);
    multipos::store::NewRun new_run{"r", "infonce", "synthetic", "{}", 1, "", 10, "", ""};
    int64_t id = store.create_run(new_run);
    std::vector<multipos::store::ScalarRow> rows;
    for (int64_t step = 0; step < 5000; ++step) rows.push_back({"loss", step, 0.0, 1.0});
    store.append_scalars(id, rows);
  }
  Result healthy = run("doctor --db \"" + db + "\"");
  EXPECT_EQ(healthy.status, 0) << healthy.output;
  {
    std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(0, std::ios::end);
    ASSERT_GT(file.tellp(), 4096 * 8) << "the scalars span several pages";
    file.seekp(4096 * 4);  // the header and cell pointers of a b-tree page past the schema
    std::string garbage(3000, '\xA5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  Result damaged = run("doctor --db \"" + db + "\"");
  EXPECT_NE(damaged.status, 0) << damaged.output;
  EXPECT_FALSE(contains(damaged.output, "integrity_check: ok")) << damaged.output;
  EXPECT_TRUE(contains(damaged.output, "is damaged")) << damaged.output;
}
