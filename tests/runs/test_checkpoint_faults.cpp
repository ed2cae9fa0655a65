// Faults while a checkpoint is written (issue #16): the disk filling up mid-write, and SIGKILL
// between writing a checkpoint's files and renaming its folder into place. Either way the
// previous checkpoint stays the one a resume picks, nothing half-written is mistaken for a
// checkpoint, and the resumed run ends bitwise equal to an uninterrupted one.
#include <sys/resource.h>

#include <filesystem>

#include "core/runs/process.hpp"
#include "core/train/run_checkpoints.hpp"
#include "core/train/train_config.hpp"
#include "tests/runs/soak_support.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStore;
using multipos::testing::create_quick_run;
using multipos::testing::start_worker;

namespace {

namespace fs = std::filesystem;

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

std::vector<std::string> temporary_folders(const std::string& db, int64_t run_id) {
  std::vector<std::string> found;
  const fs::path folder = fs::path(multipos::train::checkpoint_dir(db, run_id, "x")).parent_path();
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (entry.path().filename().string().rfind(".tmp-", 0) == 0) found.push_back(entry.path().filename().string());
  return found;
}

int count_events(const RunStore& store, int64_t run_id, const std::string& prefix) {
  int count = 0;
  for (const auto& event : store.events_after(0, run_id)) count += event.message.rfind(prefix, 0) == 0;
  return count;
}

// Runs an uninterrupted twin of the run in its own database and compares the loss curves bitwise.
void expect_same_as_uninterrupted(const std::string& dir, RunStore& store, int64_t id, const nlohmann::json& overrides,
                                  int64_t steps) {
  const std::string reference_db = dir + "/reference.sqlite";
  int64_t reference_id = 0;
  {
    RunStore reference(reference_db);
    reference_id = create_quick_run(reference, overrides);
  }
  const int status = wait_for(start_worker(reference_db, reference_id));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  RunStore reference(reference_db, RunStore::Mode::read_only);
  auto loss = multipos::testing::expect_each_step_once(store, id, "loss", steps - 1);
  auto expected = multipos::testing::expect_each_step_once(reference, reference_id, "loss", steps - 1);
  EXPECT_EQ(loss, expected) << "the resumed run differs from the uninterrupted one (bitwise)";
  multipos::testing::expect_each_evaluation_once(store, id);
}

}  // namespace

// A real limit, not a simulation: RLIMIT_FSIZE makes every write past 3 MiB fail with EFBIG, as a
// full disk fails with ENOSPC. The quick preset's database stays far below it while its optimizer
// state (AdamW's two moments of a 16384 x 32 table, 4 MiB) cannot be written.
TEST(CheckpointFaults, DiskFullWhileWritingACheckpointKeepsThePreviousOneAndTheRunResumesFromIt) {
  const nlohmann::json overrides = {{"steps", 200},
                                    {"threads", 1},
                                    {"flush_every", 3},
                                    {"checkpoint", {{"every", 5}}},
                                    {"probe", {{"every", 10}}},
                                    {"eval", {{"every", 100}}}};
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  int64_t id = 0;
  {
    RunStore created(db);
    id = create_quick_run(created, overrides);
  }
  RunStore store(db);
  // 1. Train until the second checkpoint exists, then kill the worker (a crash: no stop checkpoint).
  pid_t worker = start_worker(db, id);
  int status = 0;
  bool ended = false;
  auto newest = [&] {
    auto all = multipos::train::list_checkpoints(db, id);
    return all.empty() ? int64_t{-1} : all.back().step;
  };
  while (!(ended = waitpid(worker, &status, WNOHANG) == worker) && newest() < 9)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_FALSE(ended) << "the worker ended before its second checkpoint";
  kill(worker, SIGKILL);
  waitpid(worker, &status, 0);
  ASSERT_TRUE(store.fail_if_running(id, worker, "killed by the test"));
  store.requeue(id);
  auto previous = multipos::train::latest_checkpoint(db, *store.find_run(id));
  ASSERT_TRUE(previous);

  // 2. Resume on a "full disk": the next checkpoint cannot be written.
  const std::string doomed = multipos::train::checkpoint_dir(db, id, "step-" + std::to_string(previous->step + 1 + 5));
  worker = start_worker(db, id, [] {
    signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG instead of killing
    rlimit limit{3 << 20, 3 << 20};
    setrlimit(RLIMIT_FSIZE, &limit);
  });
  status = wait_for(worker);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << multipos::runs::describe_wait_status(status);
  auto failed = store.find_run(id);
  EXPECT_EQ(failed->status, "failed");
  EXPECT_NE(failed->error.find("cannot write the checkpoint " + doomed + ": "), std::string::npos) << failed->error;
  EXPECT_NE(failed->error.find("write failed (disk full?)"), std::string::npos) << failed->error;
  EXPECT_NE(failed->error.find("the previous checkpoint is kept"), std::string::npos) << failed->error;
  EXPECT_TRUE(temporary_folders(db, id).empty()) << "the half-written folder is removed";
  EXPECT_FALSE(fs::exists(doomed));
  auto kept = multipos::train::latest_checkpoint(db, *failed);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->dir, previous->dir) << "resume picks the previous checkpoint";
  EXPECT_EQ(store.integrity_check(), "ok");

  // 3. Space again: the run resumes from the previous checkpoint and ends as if never interrupted.
  store.requeue(id);
  status = wait_for(start_worker(db, id));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << multipos::runs::describe_wait_status(status);
  EXPECT_EQ(store.find_run(id)->status, "finished");
  EXPECT_EQ(count_events(store, id, "resumed from " + previous->dir + " "), 2) << "after the full disk and after it";
  EXPECT_EQ(store.integrity_check(), "ok");
  expect_same_as_uninterrupted(dir.path().string(), store, id, overrides, 200);
}

// MULTIPOS_FAULT=checkpoint_before_rename:step-10 makes the worker SIGKILL itself exactly after
// writing every file of step-10 into its temporary folder, before renaming it into place.
TEST(CheckpointFaults, KilledBeforeTheRenameLeavesAFolderThatResumeIgnores) {
  const nlohmann::json overrides = {{"steps", 30},
                                    {"threads", 1},
                                    {"flush_every", 3},
                                    {"checkpoint", {{"every", 5}}},
                                    {"probe", {{"every", 10}}},
                                    {"eval", {{"every", 20}}}};
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  int64_t id = 0;
  {
    RunStore created(db);
    id = create_quick_run(created, overrides);
  }
  RunStore store(db);
  pid_t worker = start_worker(db, id, [] { setenv("MULTIPOS_FAULT", "checkpoint_before_rename:step-10", 1); });
  int status = wait_for(worker);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << multipos::runs::describe_wait_status(status);

  const std::string unrenamed = fs::path(multipos::train::checkpoint_dir(db, id, "x")).parent_path() / ".tmp-step-10";
  for (const char* file : {"model.safetensors", "optimizer.safetensors", "trainer_state.json", "checkpoint.json"})
    EXPECT_TRUE(fs::exists(unrenamed + "/" + file)) << file << ": every file was written before the kill";
  EXPECT_FALSE(fs::exists(multipos::train::checkpoint_dir(db, id, "step-10")));
  auto previous = multipos::train::latest_checkpoint(db, *store.find_run(id));
  ASSERT_TRUE(previous);
  EXPECT_EQ(previous->dir, multipos::train::checkpoint_dir(db, id, "step-5")) << "the unrenamed folder is ignored";
  EXPECT_EQ(previous->step, 4);
  EXPECT_GE(store.find_run(id)->last_step, 9) << "the rows of steps 5..9 were stored before the checkpoint";

  ASSERT_TRUE(store.fail_if_running(id, worker, "killed by the fault hook"));
  store.requeue(id);
  status = wait_for(start_worker(db, id));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << multipos::runs::describe_wait_status(status);
  EXPECT_EQ(store.find_run(id)->status, "finished");
  EXPECT_EQ(count_events(store, id, "resumed from " + previous->dir + " "), 1);
  EXPECT_TRUE(temporary_folders(db, id).empty()) << "the unrenamed folder is replaced when step-10 is written again";
  EXPECT_TRUE(fs::exists(multipos::train::checkpoint_dir(db, id, "final")));
  EXPECT_EQ(store.integrity_check(), "ok");
  expect_same_as_uninterrupted(dir.path().string(), store, id, overrides, 30);
}
