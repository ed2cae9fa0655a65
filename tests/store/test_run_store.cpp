#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>

#include "core/store/run_store.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStatus;
using multipos::store::RunStore;
using multipos::store::ScalarRow;
using multipos::store::StoreError;
using multipos::testing::TempDir;

namespace {

multipos::store::NewRun sample_run(const std::string& objective) {
  multipos::store::NewRun run;
  run.name = objective + "-run";
  run.objective = objective;
  run.dataset = "synthetic";
  run.config_json = R"({"objective":")" + objective + "\"}";
  run.seed = 7;
  run.group_id = "g1";
  run.total_steps = 100;
  return run;
}

}  // namespace

TEST(RunStore, MigratesAnEmptyFileToTheCurrentSchema) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  EXPECT_EQ(store.schema_version(), multipos::store::kSchemaVersion);
  EXPECT_TRUE(store.list_runs().empty());
  // Re-opening an up-to-date store is a no-op that keeps the data.
  int64_t id = store.create_run(sample_run("infonce"));
  RunStore again(dir.file("runs.sqlite"));
  ASSERT_EQ(again.list_runs().size(), 1u);
  EXPECT_EQ(again.list_runs()[0].id, id);
}

TEST(RunStore, RecordsARunLifeCycle) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  int64_t id = store.create_run(sample_run("jointlh"));
  auto run = store.find_run(id);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, "queued");
  EXPECT_EQ(run->objective, "jointlh");
  EXPECT_EQ(run->last_step, -1);
  EXPECT_GT(run->created_at, 0);

  store.mark_started(id, 4242, "hostA");
  store.append_scalars(id, {{"loss", 0, 1.0, 2.5}, {"lr", 0, 1.0, 1e-3}, {"loss", 1, 1.1, 2.0}});
  run = store.find_run(id);
  EXPECT_EQ(run->status, "running");
  EXPECT_EQ(run->pid, 4242);
  EXPECT_EQ(run->host, "hostA");
  EXPECT_EQ(run->last_step, 1);
  EXPECT_DOUBLE_EQ(run->last_loss, 2.0);

  store.mark_finished(id, RunStatus::failed, "loss became NaN at step 2");
  run = store.find_run(id);
  EXPECT_EQ(run->status, "failed");
  EXPECT_EQ(run->error, "loss became NaN at step 2");
  EXPECT_GT(run->finished_at, 0);
  EXPECT_EQ(store.series_names(id), (std::vector<std::string>{"loss", "lr"}));
}

TEST(RunStore, ReadersFetchOnlyNewerRows) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  int64_t a = store.create_run(sample_run("infonce"));
  int64_t b = store.create_run(sample_run("lsepair"));
  store.append_scalars(a, {{"loss", 0, 0, 1.0}, {"loss", 1, 0, 0.9}});
  store.append_scalars(b, {{"loss", 0, 0, 3.0}});
  auto first = store.scalars_after(0);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[2].run_id, b);
  store.append_scalars(a, {{"loss", 2, 0, 0.8}});
  auto next = store.scalars_after(first.back().row_id);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].step, 2);
  EXPECT_DOUBLE_EQ(next[0].value, 0.8);
  EXPECT_EQ(store.scalars_after(0, b).size(), 1u);
  EXPECT_EQ(store.scalars_after(0, 0, 2).size(), 2u);  // limit respected
}

TEST(RunStore, DeleteRemovesEveryRowOfTheRun) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  int64_t a = store.create_run(sample_run("infonce"));
  int64_t b = store.create_run(sample_run("lsepair"));
  store.append_scalars(a, {{"loss", 0, 0, 1.0}});
  store.append_scalars(b, {{"loss", 0, 0, 2.0}});
  store.append_probe_rows(a, {{0, "q1", "d1", true, 1, 1.0, 0.5, -0.5, 2, "llm", false}});
  store.append_evaluations(a, {{10, "dev", "ndcg@10", "", 0.4}});
  store.log_event(a, "info", "started");
  store.delete_run(a);
  EXPECT_FALSE(store.find_run(a));
  auto rest = store.scalars_after(0);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].run_id, b);
  EXPECT_TRUE(store.probe_rows(a, 0).empty());
  EXPECT_TRUE(store.evaluations(a).empty());
  EXPECT_TRUE(store.events_after(0, a).empty());
  store.append_scalars(b, {{"loss", 1, 0, 1.5}});  // writer cache stays valid for other runs
  EXPECT_EQ(store.scalars_after(0, b).size(), 2u);
}

TEST(RunStore, ProbesEvaluationsAndEventsRoundTrip) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  int64_t id = store.create_run(sample_run("summarglh"));
  store.append_probe_rows(id, {{50, "q1", "d1", true, 1, 2.0, 0.6, -0.3, 2, "human", false},
                               {50, "q1", "d9", false, 0, 0.5, 0.1, 0.1, 0, "", false},
                               {50, "q2", "d3", true, 2, 1.0, 0.2, -0.1, 1, "llm", true},
                               {100, "q1", "d1", true, 1, 2.5, 0.7, -0.2, 2, "human", false}});
  EXPECT_EQ(store.probe_steps(id), (std::vector<int64_t>{50, 100}));
  auto q1 = store.probe_rows(id, 50, "q1");
  ASSERT_EQ(q1.size(), 2u);
  EXPECT_TRUE(q1[0].is_positive);
  EXPECT_EQ(q1[0].label_source, "human");
  auto all50 = store.probe_rows(id, 50);
  ASSERT_EQ(all50.size(), 3u);
  EXPECT_TRUE(all50[2].is_false_positive);

  store.append_evaluations(id, {{100, "dev", "ndcg@10", "", 0.41}, {100, "dev", "ndcg@10", "q1", 0.5}});
  EXPECT_EQ(store.evaluations(id, "dev").size(), 2u);
  EXPECT_TRUE(store.evaluations(id, "test").empty());

  store.log_event(id, "warning", "3 queries had more positives than max_positives");
  auto events = store.events_after(0);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].level, "warning");
}

TEST(RunStore, RefusesADatabaseFromANewerSchema) {
  TempDir dir;
  std::string path = dir.file("future.sqlite");
  { RunStore store(path); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  try {
    RunStore store(path);
    FAIL() << "a newer schema must be refused";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("schema version 99"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos);
  }
}

TEST(RunStore, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  std::string path = dir.file("notes.txt");
  std::ofstream(path) << "these are my notes, not a database\n" << std::string(4096, 'x');
  try {
    RunStore store(path);
    FAIL() << "a text file must be refused";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("not a SQLite database"), std::string::npos) << error.what();
  }
  std::ifstream check(path);
  std::string first_line;
  std::getline(check, first_line);
  EXPECT_EQ(first_line, "these are my notes, not a database");  // untouched
}

TEST(RunStore, RefusesAnUnwritablePath) {
  TempDir dir;
  EXPECT_THROW(RunStore(dir.file("missing-dir/sub/runs.sqlite")), StoreError);
  EXPECT_THROW(RunStore(dir.path().string()), StoreError);  // a directory
  EXPECT_THROW(RunStore(dir.file("absent.sqlite"), RunStore::Mode::read_only), StoreError);
}
