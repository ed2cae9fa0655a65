// `multipos train` as a data-parallel group of local processes (Gloo over loopback): the loss
// curve of 2 processes equals 1 process's (gathered negatives: the same batch; sharded: the
// same as 2 accumulated half batches), a killed or failing rank ends the run with its reason and
// an intact store, and bad input (world sizes that disagree, no master, different configs)
// fails every rank within the timeout.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <map>

#include "core/dist/local_launcher.hpp"
#include "core/store/run_store.hpp"
#include "core/train/train_config.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStore;
using multipos::testing::contains;
using multipos::testing::kQuickPreset;
using multipos::testing::Result;
using multipos::testing::run;
using multipos::testing::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

// Small and fast: 6 steps of 8 queries x 4 passages, one thread per process, no probes,
// evaluation or diagnostics.
// fp32: the curves of differently split batches are compared at 1e-4, which bf16 rounding (the
// "auto" default on a CPU with AMX) would not meet.
const std::string kTiny =
    " --steps 6 --batch-queries 8 --set threads=1 --set diagnostics=false --set probe.every=0 --set eval.at_end=false"
    " --set checkpoint.at_end=false --set optimizer.precision=fp32 --quiet";

std::string train_args(const std::string& db, const std::string& extra) {
  return "train --config \"" + kQuickPreset + "\" --db \"" + db + "\"" + kTiny + " " + extra;
}

std::vector<double> loss_curve(const std::string& db, int64_t run_id) {
  RunStore store(db, RunStore::Mode::read_only);
  std::map<int64_t, double> by_step;
  size_t points = 0;
  for (const auto& point : store.scalars_after(0, run_id))
    if (point.name == "loss") by_step[point.step] = point.value, ++points;
  EXPECT_EQ(points, by_step.size()) << "run " << run_id << ": one loss point per step (only rank 0 writes)";
  std::vector<double> curve;
  for (const auto& [step, value] : by_step) curve.push_back(value);
  return curve;
}

void expect_same_curve(const std::vector<double>& a, const std::vector<double>& b, const std::string& what) {
  ASSERT_EQ(a.size(), 6u) << what;
  ASSERT_EQ(a.size(), b.size()) << what;
  double largest = 0;
  for (size_t i = 0; i < a.size(); ++i) largest = std::max(largest, std::abs(a[i] - b[i]));
  EXPECT_LT(largest, 1e-4) << what;
  std::printf("[ measured ] %s: largest loss difference %.3g over %zu steps\n", what.c_str(), largest, a.size());
}

// A queued run of the quick preset with `overrides` merged into its config.
int64_t create_run(const std::string& db, const nlohmann::json& overrides) {
  nlohmann::json config = nlohmann::json::parse(std::ifstream(kQuickPreset));
  config.merge_patch(overrides);
  auto resolved = multipos::train::train_config_from_json(config, "test config");
  RunStore store(db);
  multipos::store::NewRun run;
  run.name = "dist";
  run.objective = resolved.objective.name;
  run.dataset = "synthetic";
  run.config_json = multipos::train::to_json(resolved).dump();
  run.total_steps = resolved.steps;
  return store.create_run(run);
}

// The multipos binary run with `environment` (NAME=value ...) prepended: what a launcher does.
Result run_with_environment(const std::string& environment, const std::string& arguments) {
  Result result;
  const std::string command = environment + " \"" + multipos::testing::kBinary + "\" " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs `arguments` with the environment of rank `rank` of a group (in the background).
std::future<Result> start_rank(int rank, int world, int port, const std::string& arguments) {
  std::string environment = "RANK=" + std::to_string(rank) + " WORLD_SIZE=" + std::to_string(world) +
                            " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " ";
  return std::async(std::launch::async, [=] { return run_with_environment(environment, arguments); });
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

TEST(DistE2E, TwoProcessesGiveTheSingleProcessLossCurve) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  auto timed = [&](const std::string& extra) {
    auto start = Clock::now();
    Result result = run(train_args(db, extra));
    EXPECT_EQ(result.status, 0) << extra << "\n" << result.output;
    return seconds_since(start);
  };
  const double one = timed("");                                                   // run 1
  const double two = timed("--nproc 2 --set distributed.gather_negatives=true");  // run 2
  timed("--batch-queries 4 --set optimizer.accumulation_steps=2");                // run 3
  timed("--nproc 2");                                                             // run 4
  std::printf("[ measured ] wall time of 6 steps incl. start-up: 1 process %.1f s, 2 processes %.1f s\n", one, two);
  expect_same_curve(loss_curve(db, 1), loss_curve(db, 2), "1 process batch 8 vs 2 processes gathering negatives");
  expect_same_curve(loss_curve(db, 3), loss_curve(db, 4), "1 process 2 x 4 accumulated vs 2 processes sharding 8");
  // Gathering matters: the sharded run sees fewer negatives, so its curve differs from run 1's.
  EXPECT_GT(std::abs(loss_curve(db, 1)[0] - loss_curve(db, 4)[0]), 1e-3);

  RunStore store(db, RunStore::Mode::read_only);
  auto run2 = store.find_run(2);
  ASSERT_TRUE(run2);
  EXPECT_EQ(run2->status, "finished");
  EXPECT_EQ(nlohmann::json::parse(run2->config_json)["distributed"]["world_size"], 2) << "the studio shows it";
  EXPECT_EQ(store.list_runs().size(), 4u) << "a distributed run is one run";
}

// Gradient caching across ranks: each rank encodes its 4 queries in chunks of 3 and 1, the cached
// vectors are gathered, and the loss curve is the single process's on the whole batch.
TEST(DistE2E, TwoProcessesCachingGradientsGiveTheSingleProcessLossCurve) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  for (const std::string extra : {"", "--nproc 2 --set distributed.gather_negatives=true --set batch.cache_chunk=3"}) {
    Result result = run(train_args(db, extra));
    EXPECT_EQ(result.status, 0) << extra << "\n" << result.output;
  }
  expect_same_curve(loss_curve(db, 1), loss_curve(db, 2), "1 process batch 8 vs 2 processes caching chunks of 3");
  RunStore store(db, RunStore::Mode::read_only);
  EXPECT_EQ(nlohmann::json::parse(store.find_run(2)->config_json)["batch"]["cache_chunk"], 3);
}

TEST(DistE2E, KilledRankEndsTheRunWithItsReasonAndAnIntactStore) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  auto start = Clock::now();
  Result result = run_with_environment("MULTIPOS_TEST_RANK_FAULT=1:3:kill",
                                       train_args(db, "--nproc 2 --set distributed.timeout_seconds=20"));
  const double took = seconds_since(start);
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_LT(took, 20 + 100) << "the surviving rank exits within the timeout (plus start-up), not after a hang";
  EXPECT_TRUE(contains(result.output, "rank 1 killed by signal 9 (SIGKILL)")) << result.output;
  RunStore store(db, RunStore::Mode::read_only);
  auto record = store.find_run(1);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, "failed");
  EXPECT_TRUE(contains(record->error, "rank 1 stopped responding")) << record->error;
  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_EQ(loss_curve(db, 1).size(), 3u) << "steps 0..2 were trained and recorded before the kill";
}

TEST(DistE2E, SilentRankTimesOutWithItsNameAndIsKilled) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  auto start = Clock::now();  // rank 1 stops itself (SIGSTOP): alive, holding its sockets, silent
  Result result = run_with_environment("MULTIPOS_TEST_RANK_FAULT=1:2:hang",
                                       train_args(db, "--nproc 2 --set distributed.timeout_seconds=5"));
  const double took = seconds_since(start);
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_GT(took, 5) << "rank 0 waited for the timeout";
  // Start-up, the 5 s timeout, the reports, then the launcher's 5 + 10 s: bounded, never a hang
  // (the bound allows start-up on a machine 10x slower than idle).
  EXPECT_LT(took, 20 + 100) << "the launcher kills the silent rank after the timeout and its slack";
  EXPECT_TRUE(contains(result.output, "(killed by the launcher after the group timeout)")) << result.output;
  RunStore store(db, RunStore::Mode::read_only);
  auto record = store.find_run(1);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, "failed");
  EXPECT_TRUE(contains(record->error, "rank 1 stopped responding")) << record->error;
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(DistE2E, FailingRankReportsItsOwnError) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  auto start = Clock::now();
  Result result = run_with_environment("MULTIPOS_TEST_RANK_FAULT=1:2:throw",
                                       train_args(db, "--nproc 2 --set distributed.timeout_seconds=20"));
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_LT(seconds_since(start), 20 + 100) << "a hang guard: the timeout plus start-up under load";
  RunStore store(db, RunStore::Mode::read_only);
  auto record = store.find_run(1);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, "failed");
  EXPECT_TRUE(contains(record->error, "rank 1 failed: injected fault on rank 1 at step 2")) << record->error;
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(DistE2E, BadInputFailsEveryRankWithinTheTimeout) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  const int64_t run_id = create_run(db, {{"steps", 2}, {"distributed", {{"world_size", 2}, {"timeout_seconds", 8}}}});
  const std::string args = "train --quiet --db \"" + db + "\" --run " + std::to_string(run_id);
  const double kWithinTimeout = 8 + 100;  // the group timeout plus process start-up on a machine 10x slower than idle
  auto start = Clock::now();
  {  // ranks that disagree on WORLD_SIZE
    const int port = multipos::dist::free_local_port();
    auto rank0 = start_rank(0, 2, port, args), rank1 = start_rank(1, 3, port, args);
    Result first = rank0.get(), second = rank1.get();
    EXPECT_EQ(first.status, 1);
    EXPECT_EQ(second.status, 1);
    EXPECT_TRUE(contains(first.output, "rank 1 was started with WORLD_SIZE=3 but rank 0 with WORLD_SIZE=2"))
        << first.output;
    EXPECT_TRUE(contains(second.output, "every rank needs the same WORLD_SIZE")) << second.output;
    EXPECT_LT(seconds_since(start), kWithinTimeout);
  }
  {  // no master listening
    start = Clock::now();
    const int port = multipos::dist::free_local_port();  // nobody listens there
    Result alone = start_rank(1, 2, port, args).get();
    EXPECT_EQ(alone.status, 1);
    EXPECT_TRUE(contains(alone.output, "could not reach the master (rank 0) at 127.0.0.1:" + std::to_string(port)))
        << alone.output;
    EXPECT_LT(seconds_since(start), kWithinTimeout);
  }
  {  // the same run id with different configs (say, two copies of the store)
    const std::string other_db = dir.file("other.sqlite");
    create_run(
        other_db,
        {{"steps", 2}, {"optimizer", {{"lr", 0.01}}}, {"distributed", {{"world_size", 2}, {"timeout_seconds", 8}}}});
    start = Clock::now();
    const int port = multipos::dist::free_local_port();
    auto rank0 = start_rank(0, 2, port, args);
    auto rank1 = start_rank(1, 2, port, "train --quiet --db \"" + other_db + "\" --run 1");
    Result first = rank0.get(), second = rank1.get();
    for (const Result* result : {&first, &second}) {
      EXPECT_EQ(result->status, 1);
      EXPECT_TRUE(contains(result->output, "differs from rank 0's at: config.optimizer.lr")) << result->output;
    }
    EXPECT_LT(seconds_since(start), kWithinTimeout);
  }
  RunStore store(db, RunStore::Mode::read_only);
  EXPECT_EQ(store.find_run(run_id)->status, "failed");
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(DistE2E, ConfigNamesTheWorldSizeAndKeepsSingleProcessConfigsUnchanged) {
  nlohmann::json config = nlohmann::json::parse(std::ifstream(kQuickPreset));
  EXPECT_FALSE(
      multipos::train::to_json(multipos::train::train_config_from_json(config, "quick")).contains("distributed"))
      << "single-process runs resolve (and resume) exactly as before";
  config["distributed"] = {{"world_size", 3}};
  try {
    multipos::train::train_config_from_json(config, "quick.json");
    FAIL() << "8 queries cannot be shared by 3 ranks";
  } catch (const std::exception& error) {
    EXPECT_TRUE(contains(error.what(), "distributed.world_size")) << error.what();
    EXPECT_TRUE(contains(error.what(), "multiple")) << error.what();
  }
}
