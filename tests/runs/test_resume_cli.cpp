// The command line of resume and queue order with the real binary: a worker stopped with SIGTERM
// is resumed by `multipos resume --wait` and ends with the loss of an uninterrupted run at every
// step; resume refuses a finished run and one without a checkpoint; `multipos queue` reorders
// queued runs; `multipos doctor --repair` deletes orphan rows.
#include <sqlite3.h>

#include "tests/runs/soak_support.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStore;
using multipos::testing::contains;
using multipos::testing::run;

namespace {

const nlohmann::json kOverrides = {{"steps", 200}, {"threads", 1}, {"checkpoint", {{"every", 50}}}};

std::string db_arg(const std::string& db) { return "--db \"" + db + "\""; }

}  // namespace

TEST(ResumeCli, StoppedWorkerResumesWithTheSameLossesAndRefusalsChangeNothing) {
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite"), reference_db = dir.file("reference.sqlite");
  int64_t id = 0, reference_id = 0;
  {
    RunStore store(db), reference(reference_db);
    id = multipos::testing::create_quick_run(store, kOverrides);
    reference_id = multipos::testing::create_quick_run(reference, kOverrides);
  }
  auto refused = run("resume " + db_arg(db) + " --run " + std::to_string(id));
  EXPECT_EQ(refused.status, 2) << refused.output;
  EXPECT_TRUE(contains(refused.output, "is queued")) << refused.output;

  pid_t worker = multipos::testing::start_worker(db, id);
  RunStore store(db);
  int status = 0;
  bool ended = false;  // the wait ends with the worker, so it cannot hang
  while (!(ended = waitpid(worker, &status, WNOHANG) == worker) && store.find_run(id)->last_step < 20)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_FALSE(ended) << "the worker ended before its 20th step";
  kill(worker, SIGTERM);  // what `multipos stop` sends: checkpoint, then exit
  waitpid(worker, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << "a stopped worker exits with 3";
  auto stopped = store.find_run(id);
  EXPECT_EQ(stopped->status, "stopped");
  EXPECT_LT(stopped->last_step, 199);

  auto resumed = run("resume " + db_arg(db) + " --run " + std::to_string(id) + " --wait");
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_TRUE(contains(resumed.output, "queued to resume after step " + std::to_string(stopped->last_step)))
      << resumed.output;
  pid_t reference_worker = multipos::testing::start_worker(reference_db, reference_id);
  waitpid(reference_worker, &status, 0);
  RunStore reference(reference_db, RunStore::Mode::read_only);
  EXPECT_EQ(multipos::testing::expect_each_step_once(store, id, "loss", 199),
            multipos::testing::expect_each_step_once(reference, reference_id, "loss", 199));
  multipos::testing::expect_each_evaluation_once(store, id);

  auto finished = run("resume " + db_arg(db) + " --run " + std::to_string(id));
  EXPECT_EQ(finished.status, 2);
  EXPECT_TRUE(contains(finished.output, "is finished")) << finished.output;
  auto worker_refuses = run("train " + db_arg(db) + " --run " + std::to_string(id));
  EXPECT_EQ(worker_refuses.status, 2) << worker_refuses.output;
  EXPECT_EQ(store.find_run(id)->status, "finished");
}

TEST(ResumeCli, QueueReordersAndDoctorRepairs) {
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  std::vector<int64_t> ids;
  {
    RunStore store(db);
    for (int i = 0; i < 3; ++i) ids.push_back(multipos::testing::create_quick_run(store, kOverrides));
  }
  auto moved = run("queue " + db_arg(db) + " --run " + std::to_string(ids[2]) + " --first");
  EXPECT_EQ(moved.status, 0) << moved.output;
  EXPECT_TRUE(contains(moved.output, "1. run " + std::to_string(ids[2]))) << moved.output;
  EXPECT_EQ(run("queue " + db_arg(db) + " --run " + std::to_string(ids[0]) + " --to 2").status, 0);
  EXPECT_EQ(RunStore(db).queue_order(), (std::vector<int64_t>{ids[2], ids[0], ids[1]}));
  auto bad = run("queue " + db_arg(db) + " --run " + std::to_string(ids[0]) + " --first --last");
  EXPECT_EQ(bad.status, 2) << bad.output;

  {
    RunStore store(db);
    store.append_scalars(ids[1], {{"loss", 0, 0, 1.0}});
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    std::string sql = "PRAGMA foreign_keys = OFF; DELETE FROM runs WHERE id = " + std::to_string(ids[1]);
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto report = run("doctor " + db_arg(db));
  EXPECT_EQ(report.status, 0) << report.output;
  EXPECT_TRUE(contains(report.output, "2 orphan row(s)")) << report.output;
  EXPECT_TRUE(contains(report.output, "REINDEX")) << report.output;
  auto repaired = run("doctor " + db_arg(db) + " --repair");
  EXPECT_TRUE(contains(repaired.output, "2 orphan row(s) deleted")) << repaired.output;
  EXPECT_EQ(RunStore(db).orphan_rows().total(), 0);
}
