// Schema version 4: what the studio shows of a run's dataset (statistics, probe and retrieved
// texts, judgments), stored with the run. The upgrade of a version-3 store keeps every row and adds
// the tables; writing twice (a resumed run, `data store-texts` again) stores nothing twice;
// deleting a run, the orphan report and its repair cover the new tables.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <stdexcept>

#include "core/store/dataset_record.hpp"
#include "core/store/run_store.hpp"
#include "core/store/schema.hpp"
#include "tests/support/store_sql.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunDatasetRecord;
using multipos::store::RunStore;
using multipos::testing::TempDir;
using multipos::testing::add_run;
using multipos::testing::exec_sql;
using multipos::testing::sql_count;
namespace store = multipos::store;

namespace {


store::DatasetStats sample_stats() {
  store::DatasetStats stats;
  stats.name = "synthetic";
  stats.passages = 120;
  stats.queries = 30;
  stats.queries_in_no_split = 2;
  stats.mean_passage_words = 12.5;
  stats.notes = {"regime mixed: 3 positives dropped"};
  store::SplitStats train;
  train.name = "train";
  train.queries = 20;
  train.queries_with_positives = 19;
  train.positives = 61;
  train.false_positives = 4;
  train.hard_negatives = 7;
  train.min_positives = 0;
  train.max_positives = 6;
  train.median_positives = 3;
  train.mean_positives = 3.05;
  train.positives_histogram = {{"0", 1},   {"1", 2},    {"2", 5},     {"3-4", 9},
                               {"5-8", 3}, {"9-16", 0}, {"17-32", 0}, {"33+", 0}};
  train.grades = {{"1", 40}, {"2", 21}};
  train.label_sources = {{"human", 50}, {"llm", 11}};
  train.mean_query_words = 4.5;
  store::SplitStats dev = train;
  dev.name = "dev";
  dev.queries = 8;
  stats.splits = {train, dev};
  return stats;
}

RunDatasetRecord sample_record() {
  RunDatasetRecord record;
  record.stats_json = store::stats_to_json(sample_stats()).dump();
  record.queries = {{"q1", "what is alpha"}, {"q2", "beta facts"}};
  record.passages = {{"p1", "alpha is a letter"}, {"p2", "beta follows alpha"}, {"p9", "unrelated"}};
  record.judgments = {{"q1", "p1", 2, "human", false}, {"q1", "p2", 1, "llm", true}, {"q2", "p2", 1, "human", false}};
  return record;
}

}  // namespace

TEST(StoreTexts, StatisticsRoundTripThroughJson) {
  const store::DatasetStats stats = sample_stats();
  const store::DatasetStats back = store::stats_from_json(store::stats_to_json(stats), "test");
  EXPECT_EQ(store::stats_to_json(back), store::stats_to_json(stats));
  ASSERT_EQ(back.splits.size(), 2u);
  EXPECT_EQ(back.splits[0].name, "train") << "splits keep the train, dev, test order";
  EXPECT_EQ(back.splits[0].positives_histogram, stats.splits[0].positives_histogram) << "bucket order kept";
  nlohmann::json broken = store::stats_to_json(stats);
  broken["splits"]["dev"]["positives_per_query"]["median"] = "three";
  try {
    store::stats_from_json(broken, "runs.sqlite: run 4");
    FAIL() << "a mistyped field was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("runs.sqlite: run 4"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("splits.dev.positives_per_query.median"), std::string::npos)
        << error.what();
  }
}

TEST(StoreTexts, RecordIsStoredOnceAndReadBack) {
  TempDir dir;
  RunStore db(dir.file("runs.sqlite"));
  const int64_t id = add_run(db, "a");
  const int64_t other = add_run(db, "b");
  EXPECT_TRUE(db.dataset_record(id).empty());
  EXPECT_FALSE(db.has_dataset_stats(id));
  db.record_dataset(id, sample_record());
  // A resumed run (or `data store-texts` again) writes the same rows: nothing doubles.
  db.record_dataset(id, sample_record());
  db.append_passage_texts(id, {{"p1", "alpha is a letter"}, {"p7", "retrieved at an evaluation"}});
  db.append_passage_texts(id, {{"p7", "retrieved at an evaluation"}});
  EXPECT_TRUE(db.has_dataset_stats(id));
  const RunDatasetRecord record = db.dataset_record(id);
  EXPECT_EQ(record.stats_json, sample_record().stats_json);
  ASSERT_EQ(record.queries.size(), 2u);
  EXPECT_EQ(record.queries[0].id, "q1");
  EXPECT_EQ(record.queries[0].text, "what is alpha");
  ASSERT_EQ(record.passages.size(), 4u) << "p1, p2, p7, p9 once each";
  EXPECT_EQ(record.passages[2].id, "p7");
  ASSERT_EQ(record.judgments.size(), 3u);
  EXPECT_EQ(record.judgments[1].passage_id, "p2");
  EXPECT_DOUBLE_EQ(record.judgments[1].grade, 1);
  EXPECT_EQ(record.judgments[1].label_source, "llm");
  EXPECT_TRUE(record.judgments[1].is_false_positive);
  EXPECT_TRUE(db.dataset_record(other).empty()) << "rows belong to their run";
  // Texts alone (no statistics) leave the stored statistics as they were.
  RunDatasetRecord texts_only;
  texts_only.queries = {{"q3", "gamma"}};
  db.record_dataset(id, texts_only);
  EXPECT_EQ(db.dataset_record(id).stats_json, sample_record().stats_json);
  EXPECT_EQ(db.dataset_record(id).queries.size(), 3u);
}

TEST(StoreTexts, DeleteRunOrphansAndRepairCoverTheNewTables) {
  TempDir dir;
  const std::string path = dir.file("runs.sqlite");
  RunStore db(path);
  const int64_t deleted = add_run(db, "deleted");
  const int64_t orphaned = add_run(db, "orphaned");
  const int64_t kept = add_run(db, "kept");
  for (int64_t id : {deleted, orphaned, kept}) db.record_dataset(id, sample_record());
  db.delete_run(deleted);
  for (const char* table : {"dataset_stats", "dataset_texts", "judgments"})
    EXPECT_EQ(sql_count(path, std::string("SELECT COUNT(*) FROM ") + table + " WHERE run_id = " + std::to_string(deleted)),
              0)
        << table;
  // Another program deletes a run without foreign keys on: its rows are left behind.
  exec_sql(path, "PRAGMA foreign_keys = OFF; DELETE FROM runs WHERE id = " + std::to_string(orphaned));
  const store::OrphanReport orphans = db.orphan_rows();
  EXPECT_EQ(orphans.dataset_stats, 1);
  EXPECT_EQ(orphans.dataset_texts, 5);  // 2 queries + 3 passages
  EXPECT_EQ(orphans.judgments, 3);
  EXPECT_EQ(orphans.total(), 9);
  EXPECT_EQ(db.delete_orphan_rows().total(), 9);
  EXPECT_EQ(db.orphan_rows().total(), 0);
  EXPECT_EQ(db.dataset_record(kept).passages.size(), 3u) << "the kept run keeps its rows";
  EXPECT_EQ(db.integrity_check(), "ok");
}

TEST(StoreTexts, UpgradesAVersion3StoreKeepingItsRows) {
  TempDir dir;
  const std::string path = dir.file("v3.sqlite");
  const auto& migrations = store::migrations();
  exec_sql(
      path,
      std::string(migrations[0]) + migrations[1] + migrations[2] +
          "INSERT INTO runs(name, objective, dataset, config_json, created_at, status, queue_position)"
          " VALUES ('old', 'infonce', 'synthetic', '{\"dataset\": {\"kind\": \"synthetic\"}}', 1,"
          " 'finished', 1);"
          "INSERT INTO probes(run_id, step, query_id, passage_id, is_positive, positive_rank, score,"
          " probability, gradient, grade, label_source, is_false_positive)"
          " VALUES (1, 10, 'q1', 'p1', 1, 1, 2.0, 0.6, -0.4, 2, 'human', 0);"
          "INSERT INTO retrieved(run_id, step, query_id, rank, passage_id, score) VALUES (1, 10, 'q1', 1, 'p1', 0.9);"
          "PRAGMA user_version = 3;");
  {
    // A reader of the old file (the studio opens read-only) sees no record rather than an error.
    RunStore old(path, RunStore::Mode::read_only);
    EXPECT_EQ(old.schema_version(), 3);
    EXPECT_TRUE(old.dataset_record(1).empty());
    EXPECT_FALSE(old.has_dataset_stats(1));
  }
  RunStore db(path);
  EXPECT_EQ(db.schema_version(), 4);
  EXPECT_EQ(store::kSchemaVersion, 4);
  ASSERT_EQ(db.list_runs().size(), 1u);
  EXPECT_EQ(db.find_run(1)->status, "finished") << "the upgrade keeps every run as it was";
  EXPECT_EQ(db.probe_rows(1, 10).size(), 1u);
  EXPECT_EQ(db.retrieved(1, 10, "q1").size(), 1u);
  EXPECT_TRUE(db.dataset_record(1).empty()) << "an old run has no record until `data store-texts`";
  for (const char* table : {"dataset_stats", "dataset_texts", "judgments"})
    EXPECT_EQ(sql_count(path, std::string("SELECT COUNT(*) FROM ") + table), 0) << table << " exists, empty";
  db.record_dataset(1, sample_record());
  EXPECT_TRUE(db.has_dataset_stats(1));
  EXPECT_EQ(db.integrity_check(), "ok");
}
