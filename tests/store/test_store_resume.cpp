// Store support for resume, queue order, the query inspector and `multipos doctor`, plus the
// refusals (a database another program locked) and a full disk: a clear error, an intact file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "core/store/run_store.hpp"
#include "core/store/schema.hpp"
#include "tests/support/store_sql.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStatus;
using multipos::store::RunStore;
using multipos::store::StoreError;
using multipos::testing::TempDir;
using multipos::testing::add_run;
using multipos::testing::exec_sql;

TEST(RunStoreResume, RetrievedRowsRoundTripByStepAndQuery) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  int64_t id = add_run(store, "a");
  store.append_retrieved(id, {{10, "q2", 2, "p9", 0.5}, {10, "q2", 1, "p3", 0.75}, {10, "q1", 1, "p1", 0.25},
                              {20, "q2", 1, "p4", 0.125}});
  auto rows = store.retrieved(id, 10, "q2");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].rank, 1);
  EXPECT_EQ(rows[0].passage_id, "p3");
  EXPECT_EQ(rows[0].score, 0.75);
  EXPECT_EQ(rows[1].passage_id, "p9");
  EXPECT_EQ(store.retrieved(id, 10, "").size(), 3u);
  EXPECT_EQ(store.retrieved_steps(id), (std::vector<int64_t>{10, 20}));
  store.delete_run(id);
  EXPECT_TRUE(store.retrieved(id, 10, "").empty());
}

TEST(RunStoreResume, RequeueAndTruncationForAResumedRun) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  int64_t id = add_run(store, "a"), other = add_run(store, "b");
  std::vector<multipos::store::ScalarRow> rows;
  for (int64_t step = 0; step < 10; ++step) rows.push_back({"loss", step, 0, static_cast<double>(step)});
  store.append_scalars(id, rows);
  store.append_scalars(other, rows);
  store.append_probe_rows(id, {{3, "q", "p", true, 1, 1, 0.5, 0, 1, "human", false}, {8, "q", "p", true, 1, 1, 0.5, 0, 1, "human", false}});
  store.append_evaluations(id, {{5, "dev", "ndcg", "", 0.1}, {9, "dev", "ndcg", "", 0.2}});
  store.append_retrieved(id, {{5, "q", 1, "p", 1}, {9, "q", 1, "p", 1}});
  store.delete_rows_after_step(id, 5);
  EXPECT_EQ(store.scalars_after(0, id).size(), 6u);
  EXPECT_EQ(store.scalars_after(0, other).size(), 10u) << "another run's rows stay";
  EXPECT_EQ(store.probe_steps(id), (std::vector<int64_t>{3}));
  EXPECT_EQ(store.evaluations(id).size(), 1u);
  EXPECT_EQ(store.retrieved_steps(id), (std::vector<int64_t>{5}));

  for (const char* status : {"queued", "running", "finished"}) {
    exec_sql(store.path(), std::string("UPDATE runs SET status = '") + status + "' WHERE id = " + std::to_string(id));
    try {
      store.requeue(id);
      FAIL() << "requeued a " << status << " run";
    } catch (const StoreError& error) {
      EXPECT_NE(std::string(error.what()).find(status), std::string::npos) << error.what();
    }
  }
  store.mark_finished(id, RunStatus::failed, "crashed");
  store.requeue(id);
  auto run = store.find_run(id);
  EXPECT_EQ(run->status, "queued");
  EXPECT_EQ(run->error, "");
  EXPECT_GT(run->queue_position, store.find_run(other)->queue_position) << "a requeued run goes last";
}

TEST(RunStoreResume, QueueMovesChangeTheClaimOrder) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  int64_t a = add_run(store, "a"), b = add_run(store, "b"), c = add_run(store, "c");
  EXPECT_EQ(store.queue_order(), (std::vector<int64_t>{a, b, c}));
  EXPECT_EQ(store.move_in_queue(c, 1), 1);
  EXPECT_EQ(store.queue_order(), (std::vector<int64_t>{c, a, b}));
  EXPECT_EQ(store.move_in_queue(c, 99), 3) << "clamped to the last position";
  EXPECT_EQ(store.move_in_queue(b, 2), 2);
  EXPECT_EQ(store.queue_order(), (std::vector<int64_t>{a, b, c}));
  store.move_in_queue(b, 1);
  int64_t d = add_run(store, "d");
  EXPECT_EQ(store.queue_order(), (std::vector<int64_t>{b, a, c, d})) << "a new run lands behind the moved ones";
  EXPECT_EQ(store.claim_next_queued("host", 5), b);
  EXPECT_EQ(store.claim_next_queued("host", 5), a);
  EXPECT_THROW(store.move_in_queue(a, 1), StoreError) << "a running run cannot be moved";
}

TEST(RunStoreResume, OrphanRowsAreReportedThenDeletedAndIndexesRebuilt) {
  TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  int64_t id = add_run(store, "a");
  store.append_scalars(id, {{"loss", 0, 0, 1.0}, {"loss", 1, 0, 0.5}});
  store.log_event(id, "info", "hello");
  store.append_retrieved(id, {{0, "q", 1, "p", 1}});
  int64_t kept = add_run(store, "b");
  store.append_scalars(kept, {{"loss", 0, 0, 1.0}});
  // Another program deletes the run without foreign keys on: its rows are left behind.
  exec_sql(store.path(), "PRAGMA foreign_keys = OFF; DELETE FROM runs WHERE id = " + std::to_string(id));
  auto orphans = store.orphan_rows();
  EXPECT_EQ(orphans.series, 1);
  EXPECT_EQ(orphans.scalars, 2);
  EXPECT_EQ(orphans.events, 1);
  EXPECT_EQ(orphans.retrieved, 1);
  EXPECT_EQ(store.delete_orphan_rows().total(), 5);
  EXPECT_EQ(store.orphan_rows().total(), 0);
  EXPECT_EQ(store.scalars_after(0, kept).size(), 1u);
  store.reindex();
  store.checkpoint_wal();
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(RunStoreResume, MigratesAVersion1Database) {
  TempDir dir;
  const std::string path = dir.file("v1.sqlite");
  exec_sql(path, std::string(multipos::store::migrations()[0]) +
                     "INSERT INTO runs(name, objective, dataset, config_json, created_at, status) VALUES "
                     "('old', 'infonce', 'synthetic', '{}', 1, 'queued'), ('older', 'infonce', 'synthetic', '{}', 2, 'queued');"
                     "PRAGMA user_version = 1;");
  RunStore store(path);
  EXPECT_EQ(store.schema_version(), multipos::store::kSchemaVersion);
  EXPECT_EQ(store.queue_order(), (std::vector<int64_t>{1, 2}));
  int64_t id = add_run(store, "new");
  EXPECT_EQ(store.queue_order().back(), id);
  store.append_retrieved(1, {{0, "q", 1, "p", 1}});
  EXPECT_EQ(store.retrieved(1, 0, "q").size(), 1u);
}

// Version 3 adds the GPUs a run holds: a v2 store (with a running and a queued run) upgrades in
// place, its runs hold no GPU, and claims then record the GPUs they were given.
TEST(RunStoreResume, MigratesAVersion2DatabaseToGpuAssignments) {
  TempDir dir;
  const std::string path = dir.file("v2.sqlite");
  exec_sql(path, std::string(multipos::store::migrations()[0]) + multipos::store::migrations()[1] +
                     "INSERT INTO runs(name, objective, dataset, config_json, created_at, status, host, queue_position)"
                     " VALUES ('busy', 'infonce', 'synthetic', '{}', 1, 'running', 'h', 1),"
                     " ('waiting', 'lsepair', 'synthetic', '{}', 2, 'queued', '', 2);"
                     "PRAGMA user_version = 2;");
  RunStore store(path);
  EXPECT_EQ(store.schema_version(), multipos::store::kSchemaVersion);
  EXPECT_GE(multipos::store::kSchemaVersion, 3);
  ASSERT_EQ(store.list_runs().size(), 2u);
  for (const auto& run : store.list_runs()) EXPECT_EQ(run.gpus, "") << run.name;
  EXPECT_EQ(store.find_run(1)->status, "running") << "the upgrade keeps every run as it was";
  std::vector<std::string> seen_held;
  auto claimed = store.claim_next_queued("h", 4, [&](const std::string& config, const std::vector<std::string>& held) {
    EXPECT_EQ(config, "{}");
    seen_held = held;
    return std::optional<std::string>("1,2");
  });
  ASSERT_EQ(claimed, std::optional<int64_t>(2));
  EXPECT_TRUE(seen_held.empty()) << "the old running run holds no GPU";
  EXPECT_EQ(store.find_run(2)->gpus, "1,2");
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST(RunStoreResume, RefusesADatabaseAnotherProgramLockedAndChangesNothing) {
  TempDir dir;
  const std::string path = dir.file("locked.sqlite");
  { RunStore store(path); add_run(store, "a"); }
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE runs SET notes = 'x';",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto started = std::chrono::steady_clock::now();
  for (auto mode : {RunStore::Mode::read_write, RunStore::Mode::read_only}) {
    try {
      RunStore store(path, mode);
      FAIL() << "opened a database another program holds an exclusive lock on";
    } catch (const StoreError& error) {
      EXPECT_NE(std::string(error.what()).find("locked by another program"), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    }
  }
  // Two opens under the 3 s open timeout, not the 10 s busy timeout (20 s); the rest is slack for
  // a loaded machine.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 19.0)
      << "refused within the open timeout";
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  RunStore store(path);
  EXPECT_EQ(store.find_run(1)->notes, "");
  EXPECT_EQ(store.integrity_check(), "ok");
}

// A writer whose file may not grow past a limit (RLIMIT_FSIZE, as a full disk would) gets a clear
// error; every batch committed before stays readable and the database passes the integrity check.
TEST(RunStoreResume, FullDiskGivesAClearErrorAndAnIntactDatabase) {
  TempDir dir;
  const std::string path = dir.file("full.sqlite");
  int64_t id = 0;
  { RunStore store(path); id = add_run(store, "a"); }
  int pipe_ends[2];
  ASSERT_EQ(pipe(pipe_ends), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_ends[0]);
    signal(SIGXFSZ, SIG_IGN);  // the write then fails with EFBIG instead of killing the process
    rlimit limit{256 * 1024, 256 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    int64_t committed = 0;
    std::string error;
    try {
      RunStore store(path);
      for (int64_t batch = 0; batch < 100000; ++batch) {
        std::vector<multipos::store::ScalarRow> rows;
        for (int i = 0; i < 100; ++i) rows.push_back({"loss", batch * 100 + i, 0, 1.0 * i});
        store.append_scalars(id, rows);
        committed = (batch + 1) * 100;
      }
    } catch (const StoreError& e) {
      error = e.what();
    }
    std::string report = std::to_string(committed) + "\n" + error;
    ssize_t written = write(pipe_ends[1], report.data(), report.size());
    _exit(written > 0 ? 0 : 1);
  }
  close(pipe_ends[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_ends[0], buffer, sizeof buffer)) > 0;) report.append(buffer, static_cast<size_t>(n));
  close(pipe_ends[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << report;
  const int64_t committed = std::stoll(report.substr(0, report.find('\n')));
  const std::string error = report.substr(report.find('\n') + 1);
  EXPECT_GT(committed, 0);
  EXPECT_NE(error.find("disk"), std::string::npos) << error;
  std::printf("full-disk error: %s\n", error.c_str());
  EXPECT_NE(error.find(path), std::string::npos) << error;
  RunStore store(path);
  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_EQ(static_cast<int64_t>(store.scalars_after(0, id).size()), committed) << "committed batches all kept";
}
