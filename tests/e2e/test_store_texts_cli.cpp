// `multipos data store-texts` and the worker's dataset record, through the real binary: a run's
// worker stores the statistics, probe texts, judgments and retrieved passages' texts of the
// dataset it trained on; for a run recorded before the store kept them (here: the record deleted),
// the command loads the run's dataset from its stored config and writes the very same rows; with
// the dataset's files gone it says which run and which file; run again, it writes nothing twice.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/data/synthetic.hpp"
#include "core/store/run_store.hpp"
#include "tests/support/beir_files.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/store_sql.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunDatasetRecord;
using multipos::store::RunStore;
using multipos::testing::contains;
using multipos::testing::kQuickPreset;
using multipos::testing::Result;
using multipos::testing::run;
using multipos::testing::TempDir;
using multipos::testing::exec_sql;

namespace {


void expect_same(const RunDatasetRecord& a, const RunDatasetRecord& b) {
  EXPECT_EQ(a.stats_json, b.stats_json);
  ASSERT_EQ(a.queries.size(), b.queries.size());
  for (std::size_t i = 0; i < a.queries.size(); ++i) {
    EXPECT_EQ(a.queries[i].id, b.queries[i].id);
    EXPECT_EQ(a.queries[i].text, b.queries[i].text);
  }
  ASSERT_EQ(a.passages.size(), b.passages.size());
  for (std::size_t i = 0; i < a.passages.size(); ++i) {
    EXPECT_EQ(a.passages[i].id, b.passages[i].id);
    EXPECT_EQ(a.passages[i].text, b.passages[i].text);
  }
  ASSERT_EQ(a.judgments.size(), b.judgments.size());
  for (std::size_t i = 0; i < a.judgments.size(); ++i) {
    EXPECT_EQ(a.judgments[i].query_id, b.judgments[i].query_id);
    EXPECT_EQ(a.judgments[i].passage_id, b.judgments[i].passage_id);
    EXPECT_EQ(a.judgments[i].grade, b.judgments[i].grade);
    EXPECT_EQ(a.judgments[i].is_false_positive, b.judgments[i].is_false_positive);
  }
}

}  // namespace

TEST(StoreTextsCli, WorkerStoresTheRecordAndTheCommandRewritesTheSameRows) {
  TempDir dir;
  const std::string data_dir = dir.file("beir");
  multipos::data::SyntheticConfig synthetic;
  synthetic.topics = 4;
  synthetic.subtopics_per_topic = 2;
  synthetic.queries_per_subtopic = 4;
  const auto dataset = multipos::data::make_synthetic(synthetic);
  multipos::testing::write_beir_folder(dataset, data_dir);
  nlohmann::json config;
  std::ifstream(kQuickPreset) >> config;
  config["dataset"] = {{"kind", "beir"}, {"path", data_dir}, {"noise", {{"false_positive_rate", 0.4}}}};
  std::ofstream(dir.file("config.json")) << config.dump();
  const std::string db = dir.file("runs.sqlite");
  Result train = run("train --config \"" + dir.file("config.json") + "\" --db \"" + db + "\" --steps 30 --quiet");
  ASSERT_EQ(train.status, 0) << train.output;

  RunDatasetRecord written;
  {
    RunStore store(db, RunStore::Mode::read_only);
    written = store.dataset_record(1);
    ASSERT_FALSE(written.stats_json.empty());
    const auto stats = nlohmann::json::parse(written.stats_json);
    EXPECT_EQ(stats["passages"], dataset.num_passages());
    EXPECT_GT(stats["splits"]["train"]["false_positives"].get<int>(), 0) << "statistics as trained: noise applied";
    EXPECT_EQ(written.queries.size(), 4u) << "the quick preset's four probe queries";
    // Every passage the studio lists has its text: probe rows and every retrieved list.
    std::set<std::string> texts;
    for (const auto& passage : written.passages) texts.insert(passage.id);
    const std::vector<int64_t> probe_steps = store.probe_steps(1);
    ASSERT_FALSE(probe_steps.empty());
    for (const auto& row : store.probe_rows(1, probe_steps.back()))
      EXPECT_TRUE(texts.count(row.passage_id)) << row.passage_id;
    const std::vector<int64_t> retrieved_steps = store.retrieved_steps(1);
    ASSERT_EQ(retrieved_steps.size(), 2u) << "evaluations at step 25 and at the end";
    for (int64_t step : retrieved_steps)
      for (const auto& row : store.retrieved(1, step, "")) EXPECT_TRUE(texts.count(row.passage_id)) << row.passage_id;
  }

  // The run as an older multipos recorded it, and its dataset's files moved away.
  exec_sql(db, "DELETE FROM dataset_stats; DELETE FROM dataset_texts; DELETE FROM judgments;");
  std::filesystem::rename(data_dir, dir.file("moved"));
  Result missing = run("data store-texts --db \"" + db + "\"");
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_TRUE(contains(missing.output, "run 1")) << missing.output;
  EXPECT_TRUE(contains(missing.output, data_dir)) << "names the missing folder: " << missing.output;
  EXPECT_TRUE(RunStore(db, RunStore::Mode::read_only).dataset_record(1).empty()) << "nothing half-written";

  std::filesystem::rename(dir.file("moved"), data_dir);
  Result stored = run("data store-texts --db \"" + db + "\"");
  ASSERT_EQ(stored.status, 0) << stored.output;
  EXPECT_TRUE(contains(stored.output, "run 1")) << stored.output;
  EXPECT_TRUE(contains(stored.output, "4 query text(s)")) << stored.output;
  expect_same(RunStore(db, RunStore::Mode::read_only).dataset_record(1), written);

  Result again = run("data store-texts --db \"" + db + "\"");
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "every run already has")) << again.output;
  Result forced = run("data store-texts --db \"" + db + "\" --run 1");
  ASSERT_EQ(forced.status, 0) << forced.output;
  expect_same(RunStore(db, RunStore::Mode::read_only).dataset_record(1), written);  // nothing twice

  Result unknown = run("data store-texts --db \"" + db + "\" --run 7");
  EXPECT_EQ(unknown.status, 2) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "no run 7")) << unknown.output;
  Result mixed = run("data store-texts --db \"" + db + "\" --json");
  EXPECT_EQ(mixed.status, 2) << mixed.output;
}
