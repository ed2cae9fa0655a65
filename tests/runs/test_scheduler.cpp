// The scheduler's decisions against a fake worker control: queue order, the concurrency limit,
// cancel / stop, launch failures, and crash detection by exit status, missing pid and stale
// heartbeat, with the reason text stored on the run.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/runs/scheduler.hpp"
#include "tests/runs/fake_worker_control.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::runs::cancel_run;
using multipos::runs::default_max_concurrent;
using multipos::runs::kill_run;
using multipos::runs::reap_dead_runs;
using multipos::runs::RunControlError;
using multipos::runs::Scheduler;
using multipos::runs::SchedulerOptions;
using multipos::runs::stop_run;
using multipos::store::now_seconds;
using multipos::store::RunRecord;
using multipos::store::RunStatus;
using multipos::store::RunStore;
using multipos::store::ScalarRow;
using multipos::testing::exited_with;
using multipos::testing::FakeWorkerControl;
using multipos::testing::killed_by;
using multipos::testing::TempDir;

namespace {

// These tests hand out no GPUs, whatever the machine has (test_gpu_assignment.cpp covers GPUs).
const std::vector<multipos::runs::HostGpu> kNoGpus;

class SchedulerTest : public ::testing::Test {
 protected:
  TempDir dir;
  RunStore store{dir.file("runs.sqlite")};
  FakeWorkerControl control;

  int64_t queue_run(const std::string& objective) {
    multipos::store::NewRun run;
    run.name = "run/" + objective;
    run.objective = objective;
    run.dataset = "synthetic";
    run.config_json = "{}";
    run.total_steps = 100;
    return store.create_run(run);
  }
  RunRecord run(int64_t id) { return *store.find_run(id); }
  void record_losses(int64_t id, int64_t steps) {
    std::vector<ScalarRow> rows;
    for (int64_t step = 0; step < steps; ++step) rows.push_back({"loss", step, now_seconds(), 1.0 / (1 + step)});
    store.append_scalars(id, rows);
  }
};

}  // namespace

TEST(DefaultMaxConcurrent, FollowsCoresAndGpus) {
  EXPECT_EQ(default_max_concurrent(1, 0), 1);
  EXPECT_EQ(default_max_concurrent(2, 0), 1);
  EXPECT_EQ(default_max_concurrent(3, 0), 1);
  EXPECT_EQ(default_max_concurrent(8, 0), 4);
  EXPECT_EQ(default_max_concurrent(64, 2), 2);
}

TEST_F(SchedulerTest, StartsQueuedRunsInCreationOrderUpToTheLimit) {
  std::vector<int64_t> ids;
  for (const char* objective : {"infonce", "jointlh", "lsepair", "rand1lh", "summarglh"})
    ids.push_back(queue_run(objective));
  Scheduler scheduler(control, SchedulerOptions{2, 60, kNoGpus});

  auto first = scheduler.tick(store);
  EXPECT_EQ(control.started_runs, (std::vector<int64_t>{ids[0], ids[1]}));
  ASSERT_EQ(first.started.size(), 2u);
  EXPECT_EQ(first.running_here, 2);
  EXPECT_EQ(first.queued, 3);
  EXPECT_FALSE(first.idle());
  EXPECT_EQ(run(ids[0]).status, "running");
  EXPECT_EQ(run(ids[0]).pid, 1000);
  EXPECT_EQ(run(ids[0]).host, "test-host");
  EXPECT_EQ(run(ids[2]).status, "queued");

  scheduler.tick(store);
  EXPECT_EQ(control.started_runs.size(), 2u) << "the limit holds while both workers live";

  store.mark_finished(ids[0], RunStatus::finished);  // the worker's own last write, then it exits
  control.worker_exits(1000, exited_with(0));
  auto third = scheduler.tick(store);
  EXPECT_TRUE(third.failed.empty()) << third.failed.front().reason;
  EXPECT_EQ(control.started_runs, (std::vector<int64_t>{ids[0], ids[1], ids[2]}));
  EXPECT_EQ(run(ids[0]).status, "finished") << "a clean exit after finishing is not a crash";
  EXPECT_EQ(run(ids[0]).error, "");

  for (int64_t pid : {1001, 1002}) {
    store.mark_finished(pid == 1001 ? ids[1] : ids[2], RunStatus::finished);
    control.worker_exits(pid, exited_with(0));
  }
  scheduler.tick(store);
  EXPECT_EQ(control.started_runs, ids) << "oldest first, never more than two at once";
}

TEST_F(SchedulerTest, LimitCountsOnlyRunsOfThisHost) {
  int64_t elsewhere = queue_run("infonce");
  store.mark_started(elsewhere, 77, "other-host");
  int64_t here = queue_run("jointlh");
  Scheduler scheduler(control, SchedulerOptions{1, 60, kNoGpus});
  auto report = scheduler.tick(store);
  EXPECT_EQ(control.started_runs, std::vector<int64_t>{here});
  EXPECT_EQ(report.running_here, 1);
  EXPECT_EQ(run(elsewhere).status, "running") << "a fresh heartbeat from another host keeps its run";
}

TEST_F(SchedulerTest, CancelledQueuedRunNeverStarts) {
  int64_t first = queue_run("infonce");
  int64_t second = queue_run("jointlh");
  Scheduler scheduler(control, SchedulerOptions{1, 60, kNoGpus});
  scheduler.tick(store);
  cancel_run(store, second);
  EXPECT_EQ(run(second).status, "stopped");
  EXPECT_EQ(run(second).error, "cancelled before it started");
  EXPECT_GT(run(second).finished_at, 0);

  store.mark_finished(first, RunStatus::finished);
  control.worker_exits(1000, exited_with(0));
  auto report = scheduler.tick(store);
  EXPECT_EQ(control.started_runs, std::vector<int64_t>{first});
  EXPECT_TRUE(report.idle());
}

TEST_F(SchedulerTest, CancelAndStopRefuseRunsInTheWrongState) {
  int64_t first = queue_run("infonce");
  int64_t second = queue_run("jointlh");
  Scheduler scheduler(control, SchedulerOptions{1, 60, kNoGpus});
  scheduler.tick(store);
  try {
    cancel_run(store, first);
    FAIL() << "a running run cannot be cancelled";
  } catch (const RunControlError& error) {
    EXPECT_NE(std::string(error.what()).find("is running, not queued: use stop"), std::string::npos) << error.what();
  }
  EXPECT_THROW(cancel_run(store, 999), RunControlError);

  EXPECT_EQ(stop_run(store, control, second), 0) << "stopping a queued run cancels it";
  EXPECT_EQ(run(second).error, "cancelled before it started");
  EXPECT_EQ(stop_run(store, control, first), 1000);
  EXPECT_EQ(control.signals_sent, (std::vector<std::pair<int64_t, int>>{{1000, SIGTERM}}));
  EXPECT_EQ(run(first).status, "running") << "the worker itself marks the run stopped";
  store.mark_finished(first, RunStatus::stopped);
  EXPECT_THROW(stop_run(store, control, first), RunControlError);

  int64_t remote = queue_run("lsepair");
  store.mark_started(remote, 55, "other-host");
  EXPECT_THROW(stop_run(store, control, remote), RunControlError) << "a worker of another host is not ours to signal";
}

TEST_F(SchedulerTest, WorkerKilledBySignalIsMarkedFailedWithTheSignalAndStep) {
  int64_t id = queue_run("infonce");
  Scheduler scheduler(control, SchedulerOptions{1, 60, kNoGpus});
  scheduler.tick(store);
  record_losses(id, 18);
  control.worker_exits(1000, killed_by(SIGKILL));
  auto report = scheduler.tick(store);
  ASSERT_EQ(report.failed.size(), 1u);
  EXPECT_EQ(report.failed[0].run_id, id);
  EXPECT_EQ(run(id).status, "failed");
  EXPECT_EQ(run(id).error, "worker pid 1000 killed by signal 9 (SIGKILL) at step 17");
  EXPECT_GT(run(id).finished_at, 0);
  auto events = store.events_after(0, id);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().level, "error");
  EXPECT_EQ(events.back().message, run(id).error);
}

// Found by scripts/stress-tests (an idle run): SIGKILL ends a multi-threaded worker thread by
// thread, its main thread shows as a zombie while the others still exit, and waitpid cannot reap
// it yet. A worker of ours in that state is not judged "gone" from its zombie: the next tick
// collects its wait status and names the signal.
TEST_F(SchedulerTest, OwnWorkerStillExitingIsJudgedByItsWaitStatusAtTheNextTick) {
  int64_t id = queue_run("infonce");
  Scheduler scheduler(control, SchedulerOptions{1, 60, kNoGpus});
  scheduler.tick(store);
  record_losses(id, 15);
  control.alive.erase(1000);
  control.exiting.insert(1000);  // probes gone, exit not collectable yet
  auto report = scheduler.tick(store);
  EXPECT_TRUE(report.failed.empty()) << report.failed.front().reason;
  EXPECT_EQ(run(id).status, "running");
  EXPECT_EQ(report.running_here, 1) << "it still holds its slot";

  control.worker_exits(1000, killed_by(SIGKILL));
  report = scheduler.tick(store);
  ASSERT_EQ(report.failed.size(), 1u);
  EXPECT_EQ(run(id).error, "worker pid 1000 killed by signal 9 (SIGKILL) at step 14");

  // A pid that is gone and not ours to collect (e.g. started by a scheduler that died) is judged
  // at once.
  int64_t orphan = queue_run("jointlh");
  scheduler.tick(store);
  control.alive.erase(1001);
  report = scheduler.tick(store);
  ASSERT_EQ(report.failed.size(), 1u);
  EXPECT_EQ(run(orphan).error, "worker pid 1001 is gone (no such process) before its first recorded step");
}

TEST_F(SchedulerTest, ExitWithoutFinishingIsAFailure) {
  int64_t crashed = queue_run("infonce");
  int64_t silent = queue_run("jointlh");
  Scheduler scheduler(control, SchedulerOptions{2, 60, kNoGpus});
  scheduler.tick(store);
  control.worker_exits(1000, exited_with(134));
  control.worker_exits(1001, exited_with(0));
  scheduler.tick(store);
  EXPECT_EQ(run(crashed).error, "worker pid 1000 exited with code 134 before its first recorded step");
  EXPECT_EQ(run(silent).error,
            "worker pid 1001 exited without marking the run finished before its first recorded step");
}

TEST_F(SchedulerTest, RunWhoseFailureTheWorkerRecordedKeepsItsOwnReason) {
  int64_t id = queue_run("infonce");
  Scheduler scheduler(control, SchedulerOptions{1, 60, kNoGpus});
  scheduler.tick(store);
  store.mark_finished(id, RunStatus::failed, "loss became NaN at step 3");
  control.worker_exits(1000, exited_with(1));
  auto report = scheduler.tick(store);
  EXPECT_TRUE(report.failed.empty());
  EXPECT_EQ(run(id).error, "loss became NaN at step 3");
}

TEST_F(SchedulerTest, RunWhosePidIsGoneIsReaped) {
  // A worker this process did not start (no exit status): only the probe can tell.
  int64_t id = queue_run("infonce");
  store.mark_started(id, 4242, "test-host");
  record_losses(id, 5);
  auto reaped = reap_dead_runs(store, control);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(run(id).status, "failed");
  EXPECT_EQ(run(id).error, "worker pid 4242 is gone (no such process) at step 4");
  EXPECT_TRUE(reap_dead_runs(store, control).empty()) << "reaping twice changes nothing";
}

TEST_F(SchedulerTest, LiveWorkerWithFreshHeartbeatIsKept) {
  int64_t id = queue_run("infonce");
  store.mark_started(id, 4242, "test-host");
  control.alive.insert(4242);
  EXPECT_TRUE(reap_dead_runs(store, control, 60, now_seconds() + 59).empty());
  EXPECT_EQ(run(id).status, "running");
  EXPECT_TRUE(control.signals_sent.empty());
}

TEST_F(SchedulerTest, SilentLocalWorkerIsMarkedFailedAndKilled) {
  int64_t id = queue_run("infonce");
  store.mark_started(id, 4242, "test-host");
  control.alive.insert(4242);
  record_losses(id, 3);
  double heartbeat = run(id).heartbeat_at;
  auto reaped = reap_dead_runs(store, control, 60, heartbeat + 61.2);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(run(id).error,
            "no heartbeat for 61 s (timeout 60 s) from worker pid 4242 at step 2; the worker was killed");
  EXPECT_EQ(control.signals_sent, (std::vector<std::pair<int64_t, int>>{{4242, SIGKILL}}));
}

TEST_F(SchedulerTest, RunsOfAnotherHostAreJudgedByHeartbeatOnly) {
  int64_t id = queue_run("infonce");
  store.mark_started(id, 4242, "other-host");  // pid 4242 is not alive here, and must not matter
  double heartbeat = run(id).heartbeat_at;
  EXPECT_TRUE(reap_dead_runs(store, control, 60, heartbeat + 30).empty());
  EXPECT_EQ(control.probes, 0);
  auto reaped = reap_dead_runs(store, control, 60, heartbeat + 120);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(
      run(id).error,
      "no heartbeat for 120 s (timeout 60 s) from worker pid 4242 on host 'other-host' before its first recorded step");
  EXPECT_TRUE(control.signals_sent.empty()) << "a remote worker cannot be signalled from here";
}

TEST_F(SchedulerTest, ClaimedRunWhoseWorkerNeverStartedTimesOut) {
  int64_t id = queue_run("infonce");
  ASSERT_EQ(store.claim_next_queued("test-host", 1), id);  // a scheduler that died before spawning
  EXPECT_TRUE(reap_dead_runs(store, control, 60, now_seconds() + 10).empty()) << "pid 0 is a start in progress";
  EXPECT_EQ(control.probes, 0);
  reap_dead_runs(store, control, 60, now_seconds() + 90);
  EXPECT_EQ(run(id).status, "failed");
  EXPECT_NE(run(id).error.find("the worker (never started)"), std::string::npos) << run(id).error;
}

// Issue #16: a claim names its scheduler (pid negated), so a studio killed between claiming a
// run and starting its worker strands nothing: the next reap (doctor, another scheduler) marks
// the run failed at once, while a claim whose scheduler lives is left alone.
TEST_F(SchedulerTest, ClaimOfADeadSchedulerIsReapedAtOnce) {
  int64_t stranded = queue_run("infonce"), in_progress = queue_run("jointlh");
  ASSERT_EQ(store.claim_next_queued("test-host", 2, 777), stranded);
  ASSERT_EQ(store.claim_next_queued("test-host", 2, 778), in_progress);
  EXPECT_EQ(run(stranded).pid, -777);
  control.alive.insert(778);  // the second claimer is still starting its worker
  auto reaped = reap_dead_runs(store, control, 60, now_seconds() + 1);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(reaped[0].run_id, stranded);
  EXPECT_EQ(run(stranded).status, "failed");
  EXPECT_EQ(run(stranded).error,
            "claimed by scheduler pid 777, which is gone (no such process) before it started a worker; resume the "
            "run to queue it again");
  EXPECT_EQ(run(in_progress).status, "running");
  EXPECT_TRUE(store.record_worker_pid(in_progress, 4321)) << "the live claimer records its worker";
  EXPECT_EQ(run(in_progress).pid, 4321);
  EXPECT_FALSE(store.record_worker_pid(stranded, 4322)) << "a reaped claim takes no pid";
}

TEST_F(SchedulerTest, LaunchFailureMarksTheRunFailed) {
  int64_t id = queue_run("infonce");
  control.refuse_to_start = true;
  Scheduler scheduler(control, SchedulerOptions{1, 60, kNoGpus});
  auto report = scheduler.tick(store);
  ASSERT_EQ(report.failed.size(), 1u);
  EXPECT_EQ(run(id).status, "failed");
  EXPECT_EQ(run(id).error, "cannot start the worker: cannot start /no/such/multipos: No such file or directory");
  EXPECT_TRUE(report.idle());
}

TEST_F(SchedulerTest, KillMarksFailedAtOnce) {
  int64_t id = queue_run("infonce");
  Scheduler scheduler(control, SchedulerOptions{1, 60, kNoGpus});
  scheduler.tick(store);
  record_losses(id, 9);
  kill_run(store, control, id);
  EXPECT_EQ(run(id).status, "failed");
  EXPECT_EQ(run(id).error, "worker pid 1000 killed by the user (SIGKILL) at step 8");
  auto report = scheduler.tick(store);  // the exit status arrives later and changes nothing
  EXPECT_TRUE(report.failed.empty());
  EXPECT_EQ(run(id).error, "worker pid 1000 killed by the user (SIGKILL) at step 8");
}

TEST_F(SchedulerTest, StoreTransitionsAreConditional) {
  int64_t id = queue_run("infonce");
  EXPECT_FALSE(store.claim_next_queued("test-host", 0).has_value()) << "a limit of 0 claims nothing";
  ASSERT_EQ(store.claim_next_queued("test-host", 1), id);
  EXPECT_FALSE(store.claim_next_queued("test-host", 5).has_value()) << "nothing left in the queue";
  EXPECT_FALSE(store.cancel_if_queued(id, "x"));
  EXPECT_TRUE(store.record_worker_pid(id, 321));
  EXPECT_FALSE(store.record_worker_pid(id, 999)) << "the pid is recorded once";
  EXPECT_FALSE(store.fail_if_running(id, 999, "wrong pid"));
  store.mark_finished(id, RunStatus::finished);
  EXPECT_FALSE(store.fail_if_running(id, 321, "too late")) << "a finished run keeps its status";
  EXPECT_EQ(run(id).status, "finished");
  EXPECT_EQ(store.integrity_check(), "ok");
}
