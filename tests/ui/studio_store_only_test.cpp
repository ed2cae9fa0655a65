// Issue #18 item 4: the studio reads only the store. A real worker (`multipos train`) trains on a
// BEIR folder with injected label noise, the folder is deleted, and the Dataset tab and the query
// inspector still show the dataset's statistics, the probe query's text, every passage's text and
// the relevance marks (noise applied, as the run trained), all equal to what the dataset held.
// A run recorded before the store kept these says so, and how to add them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "app/platform/null_platform.hpp"
#include "core/data/dataset_factory.hpp"
#include "core/data/dataset_stats.hpp"
#include "core/data/synthetic.hpp"
#include "core/train/stored_dataset.hpp"
#include "tests/support/beir_files.hpp"
#include "tests/ui/ui_test_support.hpp"
#include "ui/studio.hpp"

using multipos::app::NullPlatform;
using namespace multipos::ui;
using multipos::ui::testing::eventually;
using multipos::ui::testing::TempDir;
namespace store = multipos::store;
namespace data = multipos::data;

namespace {

void run_frames(NullPlatform& platform, Studio& studio, int frames) {
  for (int i = 0; i < frames; ++i) {
    ASSERT_TRUE(platform.begin_frame());
    studio.frame();
    platform.end_frame();
  }
}

int32_t index_of(const std::vector<std::string>& ids, const std::string& id) {
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == id) return static_cast<int32_t>(i);
  return -1;
}

}  // namespace

TEST(StudioStoreOnly, DatasetTabAndInspectorShowEverythingAfterTheDataIsDeleted) {
  if (!std::filesystem::exists(MULTIPOS_BINARY))
    GTEST_SKIP() << "the multipos binary is not built here (the ThreadSanitizer build builds the tests only)";
  TempDir dir;
  const std::string data_dir = dir.file("beir");
  data::SyntheticConfig synthetic;
  synthetic.topics = 4;
  synthetic.subtopics_per_topic = 2;
  synthetic.queries_per_subtopic = 4;
  synthetic.seed = 11;
  multipos::testing::write_beir_folder(data::make_synthetic(synthetic), data_dir);
  const nlohmann::json spec = {{"kind", "beir"}, {"path", data_dir}, {"noise", {{"false_positive_rate", 0.4}}}};
  const data::Dataset trained = data::load_dataset(spec, "test spec");  // what the run trains on
  const data::DatasetStats expected = data::compute_stats(trained);
  ASSERT_GT(expected.splits[0].false_positives, 0u) << "the noise flags some positives";

  nlohmann::json config;
  std::ifstream(std::string(MULTIPOS_SOURCE_DIR) + "/assets/presets/quick.json") >> config;
  config["dataset"] = spec;
  config["steps"] = 30;
  std::ofstream(dir.file("config.json")) << config.dump();
  const std::string db_path = dir.file("runs.sqlite");
  const std::string train = std::string("\"") + MULTIPOS_BINARY + "\" train --config \"" + dir.file("config.json") +
                            "\" --db \"" + db_path + "\" --quiet > \"" + dir.file("train.txt") + "\" 2>&1";
  ASSERT_EQ(std::system(train.c_str()), 0) << "see " << dir.file("train.txt");
  std::filesystem::remove_all(data_dir);  // the studio must not need the files any more

  int64_t old_run = 0;
  {
    store::RunStore db(db_path);
    ASSERT_EQ(db.list_runs().size(), 1u);
    // A run as an older multipos recorded it: the same config, nothing of its dataset stored.
    store::NewRun run;
    run.name = "old";
    run.objective = "infonce";
    run.config_json = config.dump();
    old_run = db.create_run(run);
    db.mark_started(old_run, 0, "host");
    db.mark_finished(old_run, store::RunStatus::finished);
  }
  const int64_t run_id = 1;

  NullPlatform platform(1400, 900);
  StudioOptions options{db_path, std::chrono::milliseconds(20)};
  options.worker_executable = "/bin/true";
  options.hand_over_queue_on_exit = false;
  Studio studio(options);
  ASSERT_TRUE(studio.wait_for_first_poll(std::chrono::seconds(10)));
  run_frames(platform, studio, 2);  // the studio opens on the newest run; then pick the trained one
  studio.selection().set({run_id});
  studio.show_tab(StudioTab::dataset);
  ASSERT_TRUE(eventually([&] {
    run_frames(platform, studio, 1);
    return studio.dataset_view().shown() != nullptr;
  }));
  const RunDataset& shown = *studio.dataset_view().shown();
  ASSERT_TRUE(shown.error.empty()) << shown.error;
  ASSERT_TRUE(shown.has_stats);
  EXPECT_EQ(store::stats_to_json(shown.stats), store::stats_to_json(expected)) << "the statistics as trained";

  studio.show_tab(StudioTab::inspector);
  ASSERT_TRUE(eventually([&] {
    run_frames(platform, studio, 1);
    const auto& lists = studio.inspector().retrieved();
    return studio.inspector().dataset() && !studio.inspector().table().rows.empty() && !lists.empty() &&
           !lists[0].empty();
  }));
  const RunDataset& texts = *studio.inspector().dataset();
  const std::string query_id = studio.inspector().query();
  const int32_t query = index_of(trained.query_ids, query_id);
  ASSERT_GE(query, 0) << query_id;
  EXPECT_EQ(texts.query_text(query_id), trained.query_texts[static_cast<std::size_t>(query)]);
  for (const auto& row : studio.inspector().table().rows) {
    const int32_t passage = index_of(trained.passage_ids, row.passage_id);
    ASSERT_GE(passage, 0) << row.passage_id;
    EXPECT_EQ(texts.passage_text(row.passage_id), trained.passage_texts[static_cast<std::size_t>(passage)])
        << "probe passage " << row.passage_id;
  }
  // The retrieved list: every passage's text, and its mark as the run's (noisy) labels say.
  std::map<std::string, data::Judgment> judged;
  for (const auto& judgment : trained.judgments[static_cast<std::size_t>(query)])
    judged[trained.passage_ids[static_cast<std::size_t>(judgment.passage)]] = judgment;
  for (const auto& row : studio.inspector().retrieved()[0]) {
    const int32_t passage = index_of(trained.passage_ids, row.passage_id);
    ASSERT_GE(passage, 0) << row.passage_id;
    EXPECT_EQ(texts.passage_text(row.passage_id), trained.passage_texts[static_cast<std::size_t>(passage)])
        << "retrieved passage " << row.passage_id;
    const RunDataset::Relevance mark = texts.relevance(query_id, row.passage_id);
    const auto found = judged.find(row.passage_id);
    EXPECT_EQ(mark.judged, found != judged.end()) << row.passage_id;
    if (found != judged.end()) {
      EXPECT_FLOAT_EQ(mark.grade, found->second.grade);
      EXPECT_EQ(mark.false_positive, found->second.is_false_positive);
    }
  }
  // Every judgment of every probe query is stored, noise flags included.
  std::size_t flagged = 0, stored_flags = 0;
  for (const auto& [key, mark] : texts.judgments) {
    const int32_t q = index_of(trained.query_ids, key.first);
    ASSERT_GE(q, 0);
    for (const auto& judgment : trained.judgments[static_cast<std::size_t>(q)])
      if (trained.passage_ids[static_cast<std::size_t>(judgment.passage)] == key.second) {
        EXPECT_EQ(mark.false_positive, judgment.is_false_positive);
        flagged += judgment.is_false_positive;
      }
    stored_flags += mark.false_positive;
  }
  EXPECT_EQ(stored_flags, flagged);

  // The older run: no statistics, and the tab says how to add them.
  studio.selection().set({old_run});
  studio.show_tab(StudioTab::dataset);
  ASSERT_TRUE(eventually([&] {
    run_frames(platform, studio, 1);
    return studio.dataset_view().shown() != nullptr && studio.dataset_view().shown_run() == old_run;
  }));
  EXPECT_FALSE(studio.dataset_view().shown()->has_stats);
  EXPECT_TRUE(studio.dataset_view().shown()->error.empty());
  EXPECT_NE(store_texts_command(db_path, old_run).find("data store-texts --db"), std::string::npos);
}

// The same reader with no worker process (the ThreadSanitizer build runs this one): a record
// written through the store as the worker writes it, read by the studio's background reader; the
// passages' texts of a newer dev evaluation are read again once that evaluation is stored.
TEST(StudioStoreOnly, InspectorReadsTextsWrittenAfterItFirstRead) {
  data::SyntheticConfig synthetic;
  synthetic.topics = 3;
  synthetic.subtopics_per_topic = 2;
  synthetic.queries_per_subtopic = 3;
  const data::Dataset dataset = data::make_synthetic(synthetic);
  ASSERT_FALSE(dataset.train_queries.empty());
  const int32_t query = dataset.train_queries.front();
  const auto q = static_cast<std::size_t>(query);
  ASSERT_FALSE(dataset.judgments[q].empty());
  const std::string query_id = dataset.query_ids[q];
  const std::string positive_id = dataset.passage_ids[static_cast<std::size_t>(dataset.judgments[q][0].passage)];
  // A passage neither judged for the query nor among its probe passages: retrieved later.
  std::string later_id;
  for (std::size_t p = 0; p < dataset.num_passages() && later_id.empty(); ++p) {
    bool judged = false;
    for (const auto& judgment : dataset.judgments[q]) judged = judged || judgment.passage == static_cast<int32_t>(p);
    if (!judged) later_id = dataset.passage_ids[p];
  }

  TempDir dir;
  const std::string db_path = dir.file("runs.sqlite");
  int64_t id = 0;
  {
    store::RunStore db(db_path);
    store::NewRun run;
    run.name = "jointlh";
    run.objective = "jointlh";
    run.config_json = nlohmann::json{{"dataset", {{"kind", "synthetic"}}}}.dump();
    id = db.create_run(run);
    db.mark_started(id, 0, "host");
    db.mark_finished(id, store::RunStatus::finished);
    db.record_dataset(id, multipos::train::dataset_record(dataset, {query}, {}));
    db.append_probe_rows(id, {{10, query_id, positive_id, true, 1, 2.0, 0.6, -0.4, 2, "human", false}});
    db.append_retrieved(id, {{10, query_id, 1, positive_id, 0.9}});
  }
  NullPlatform platform(1400, 900);
  StudioOptions options{db_path, std::chrono::milliseconds(20)};
  options.worker_executable = "/bin/true";
  options.hand_over_queue_on_exit = false;
  Studio studio(options);
  ASSERT_TRUE(studio.wait_for_first_poll(std::chrono::seconds(10)));
  run_frames(platform, studio, 2);
  studio.selection().set({id});
  studio.show_tab(StudioTab::dataset);
  ASSERT_TRUE(eventually([&] {
    run_frames(platform, studio, 1);
    return studio.dataset_view().shown() != nullptr;
  }));
  ASSERT_TRUE(studio.dataset_view().shown()->has_stats);
  EXPECT_EQ(studio.dataset_view().shown()->stats.passages, dataset.num_passages());

  studio.show_tab(StudioTab::inspector);
  ASSERT_TRUE(eventually([&] {
    run_frames(platform, studio, 1);
    return studio.inspector().dataset() && !studio.inspector().retrieved().empty() &&
           !studio.inspector().retrieved()[0].empty();
  }));
  EXPECT_EQ(studio.inspector().dataset()->query_text(query_id), dataset.query_texts[q]);
  EXPECT_TRUE(studio.inspector().dataset()->relevance(query_id, positive_id).judged);
  EXPECT_TRUE(studio.inspector().dataset()->passage_text(later_id).empty()) << "not stored yet";

  // A later dev evaluation retrieves another passage: the worker stores its text with the list,
  // and the studio (its probe series growing) reads both again.
  {
    store::RunStore db(db_path);
    db.append_retrieved(id, {{20, query_id, 1, later_id, 0.8}});
    db.append_passage_texts(id, multipos::train::retrieved_passage_texts(dataset, {{20, query_id, 1, later_id, 0.8}}));
    db.append_probe_rows(id, {{20, query_id, positive_id, true, 1, 2.5, 0.7, -0.3, 2, "human", false}});
    db.append_scalars(id, {{"probe/pos_mass", 10, 0, 0.6}, {"probe/pos_mass", 20, 0, 0.7}});
  }
  ASSERT_TRUE(eventually([&] {
    run_frames(platform, studio, 1);
    const RunDataset* texts = studio.inspector().dataset();
    return texts && !texts->passage_text(later_id).empty();
  }));
  const int32_t later = index_of(dataset.passage_ids, later_id);
  EXPECT_EQ(studio.inspector().dataset()->passage_text(later_id),
            dataset.passage_texts[static_cast<std::size_t>(later)]);
  EXPECT_FALSE(studio.inspector().dataset()->relevance(query_id, later_id).judged);
}
