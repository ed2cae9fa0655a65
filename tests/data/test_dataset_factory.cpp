#include <gtest/gtest.h>

#include <filesystem>

#include "core/data/dataset_factory.hpp"
#include "core/data/dataset_stats.hpp"
#include "core/data/load_report.hpp"
#include "core/util/component_kinds.hpp"
#include "core/util/config_reader.hpp"
#include "tests/data/data_test_files.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::data::compute_stats;
using multipos::data::Dataset;
using multipos::data::load_dataset;
using multipos::testing::contains;
using multipos::testing::TempDir;
using multipos::testing::write_file;
using multipos::util::ConfigError;
using nlohmann::json;

namespace {

std::string config_error(const json& spec) {
  try {
    load_dataset(spec, "run.json");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

void write_beir(const TempDir& dir) {
  write_file(dir.file("beir/corpus.jsonl"),
             "{\"_id\": \"d1\", \"text\": \"one two three\"}\n{\"_id\": \"d2\", \"text\": \"four\"}\n{\"_id\": \"d3\", \"text\": \"five six\"}\n");
  write_file(dir.file("beir/queries.jsonl"), "{\"_id\": \"q1\", \"text\": \"a b\"}\n{\"_id\": \"q2\", \"text\": \"c\"}\n");
  write_file(dir.file("beir/qrels/train.tsv"), "q1\td1\t2\nq1\td2\t1\nq1\td3\t1\n");
  write_file(dir.file("beir/qrels/test.tsv"), "q2\td3\t1\nq2\td1\t0\n");
}

}  // namespace

TEST(DatasetFactory, LoadsBeirAndTevatronAndAppliesRegimeAndNoise) {
  TempDir dir;
  write_beir(dir);
  Dataset beir = load_dataset({{"kind", "beir"}, {"path", dir.file("beir")}, {"require_splits", {"train"}}}, "run.json");
  EXPECT_EQ(beir.num_passages(), 3u);
  EXPECT_EQ(beir.judgments[0].size(), 3u);

  Dataset single = load_dataset({{"kind", "beir"}, {"path", dir.file("beir")}, {"regime", {{"name", "human_single"}}}}, "run.json");
  EXPECT_EQ(single.judgments[0].size(), 1u);
  EXPECT_EQ(single.judgments[1].size(), 1u) << "test judgments stay";

  Dataset noisy = load_dataset({{"kind", "beir"},
                                {"path", dir.file("beir")},
                                {"regime", {{"name", "mixed"}, {"threshold", 1}}},
                                {"noise", {{"false_positive_rate", 0.25}, {"seed", 4}}}},
                               "run.json");
  EXPECT_EQ(noisy.label_sources[static_cast<size_t>(noisy.judgments[0][0].label_source)], "human");
  EXPECT_EQ(noisy.label_sources[static_cast<size_t>(noisy.judgments[0][1].label_source)], "llm");
  // round(0.25 * 3 / 0.75) = 1 false positive is due, but q1 already judges every passage of
  // this corpus: nothing can be injected, and the note says so.
  for (const auto& j : noisy.judgments[0]) EXPECT_FALSE(j.is_false_positive);
  EXPECT_TRUE(contains(noisy.notes.back(), "0 false positives injected"));

  write_file(dir.file("train.jsonl"),
             "{\"query_id\": \"q\", \"query\": \"x\", \"positive_passages\": [{\"docid\": \"p\", \"text\": \"y\"}], "
             "\"negative_passages\": [{\"docid\": \"n\", \"text\": \"z\"}]}\n");
  Dataset tevatron = load_dataset({{"kind", "tevatron"}, {"path", dir.file("train.jsonl")}, {"noise", {{"false_positive_rate", 0.5}}}},
                                  "run.json");
  ASSERT_EQ(tevatron.judgments[0].size(), 2u);
  EXPECT_TRUE(tevatron.judgments[0][1].is_false_positive);
  EXPECT_EQ(tevatron.passage_ids[static_cast<size_t>(tevatron.judgments[0][1].passage)], "n") << "taken from the hard negatives";
  EXPECT_TRUE(tevatron.hard_negatives[0].empty());

  Dataset synthetic = load_dataset({{"kind", "synthetic"}, {"topics", 3}, {"regime", {{"name", "llm_dense"}, {"max_positives", 2}}}},
                                   "run.json");
  for (int32_t q : synthetic.train_queries) EXPECT_LE(synthetic.judgments[static_cast<size_t>(q)].size(), 2u);
}

TEST(DatasetFactory, ConfigErrorsNameTheField) {
  TempDir dir;
  write_beir(dir);
  const std::string beir = dir.file("beir");
  EXPECT_TRUE(contains(config_error({{"kind", "beir"}, {"path", beir}, {"lenient", false}, {"pth", 1}}), "run.json: field 'dataset.pth': unknown field"));
  EXPECT_TRUE(contains(config_error({{"kind", "beir"}}), "field 'dataset.path': missing"));
  EXPECT_TRUE(contains(config_error({{"kind", "beir"}, {"path", dir.file("nowhere")}}), "field 'dataset.path': '"));
  EXPECT_TRUE(contains(config_error({{"kind", "beir"}, {"path", beir}, {"require_splits", {"training"}}}), "field 'dataset.require_splits'"));
  EXPECT_TRUE(contains(config_error({{"kind", "tevatron"}, {"path", beir}}), "field 'dataset.path': '" + beir + "' is not a file"));
  EXPECT_TRUE(contains(config_error({{"kind", "synthetic"}, {"regime", {{"name", "dense"}}}}), "field 'dataset.regime.name': unknown value 'dense'"));
  EXPECT_TRUE(contains(config_error({{"kind", "synthetic"}, {"regime", {{"treshold", 1}}}}), "field 'dataset.regime.treshold': unknown field"));
  EXPECT_TRUE(contains(config_error({{"kind", "synthetic"}, {"noise", {{"false_positive_rate", 1.0}}}}), "field 'dataset.noise.false_positive_rate'"));
  EXPECT_TRUE(contains(config_error({{"kind", "synthetic"}, {"noise", {{"rate", 0.1}}}}), "field 'dataset.noise.rate': unknown field"));
  EXPECT_TRUE(contains(config_error({{"kind", "wordnet"}, {"path", beir}}), "field 'dataset.path': no data.noun"));
  EXPECT_TRUE(contains(config_error({{"kind", "wordnet"}, {"max_queries", -1}}), "field 'dataset.max_queries'"));
  EXPECT_TRUE(contains(config_error({{"kind", "csv"}}), "field 'dataset.kind': unknown value 'csv'"));
  // A fault inside a data file is a DataError naming file and line, not a config error.
  write_file(dir.file("beir/qrels/dev.tsv"), "q9\td1\t1\n");
  EXPECT_TRUE(contains(multipos::testing::data_error([&] { load_dataset({{"kind", "beir"}, {"path", beir}}, "run.json"); }),
                       dir.file("beir/qrels/dev.tsv") + ":1: field 'query-id'"));
  Dataset lenient = load_dataset({{"kind", "beir"}, {"path", beir}, {"lenient", true}}, "run.json");
  EXPECT_TRUE(lenient.dev_queries.empty());
}

TEST(DatasetStats, CountsPerSplit) {
  TempDir dir;
  write_beir(dir);
  Dataset data = load_dataset({{"kind", "beir"}, {"path", dir.file("beir")}}, "run.json");
  auto stats = compute_stats(data);
  EXPECT_EQ(stats.passages, 3u);
  EXPECT_EQ(stats.queries, 2u);
  EXPECT_DOUBLE_EQ(stats.mean_passage_words, 2.0);
  const auto& train = stats.splits[0];
  EXPECT_EQ(train.name, "train");
  EXPECT_EQ(train.queries, 1u);
  EXPECT_EQ(train.positives, 3u);
  EXPECT_EQ(train.grades.at("2"), 1u);
  EXPECT_EQ(train.grades.at("1"), 2u);
  EXPECT_EQ(train.label_sources.at("human"), 3u);
  EXPECT_EQ(train.positives_histogram[3].second, 1u) << "bucket 3-4";
  EXPECT_DOUBLE_EQ(train.median_positives, 3);
  EXPECT_DOUBLE_EQ(train.mean_query_words, 2);
  EXPECT_EQ(stats.splits[2].positives, 1u);
  auto out = multipos::data::stats_to_json(stats);
  EXPECT_EQ(out["splits"]["test"]["positives_per_query"]["max"], 1);
  EXPECT_NE(multipos::data::format_stats(stats).find("median 3"), std::string::npos);
}

// The engine's kind table (core/util/component_kinds) is what the loaders accept: every kind it
// lists loads (or fails on its files, not on its name), and a stray field is refused with the
// table's own field list, so the studio's launch form and the factory cannot drift apart.
TEST(DatasetFactory, AcceptsExactlyTheKindsAndFieldsOfTheEnginesTable) {
  const auto& kinds = multipos::util::dataset_kinds();
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds.front().name, "synthetic") << "the default kind comes first";
  for (const auto& kind : kinds) {
    json spec = {{"kind", kind.name}, {"not_a_field", 1}};
    for (const auto& field : kind.file_fields) spec[field] = "/nonexistent/" + field;
    try {
      load_dataset(spec, "kinds.json");
      ADD_FAILURE() << kind.name << ": a stray field was accepted";
    } catch (const ConfigError& error) {
      std::string fields;
      for (const auto& field : kind.fields) fields += (fields.empty() ? "" : ", ") + field;
      EXPECT_TRUE(contains(error.what(), "not_a_field")) << error.what();
      EXPECT_TRUE(contains(error.what(), "known fields here: " + fields)) << kind.name << ": " << error.what();
    }
  }
  try {
    load_dataset(json{{"kind", "parquet"}}, "kinds.json");
    ADD_FAILURE() << "an unknown kind was accepted";
  } catch (const ConfigError& error) {
    std::string names;
    for (const auto& name : multipos::util::kind_names(kinds)) names += (names.empty() ? "" : ", ") + name;
    EXPECT_TRUE(contains(error.what(), "valid values: " + names)) << error.what();
  }
}
