#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "core/data/dataset_factory.hpp"
#include "core/data/synthetic.hpp"
#include "core/util/config_reader.hpp"

using multipos::data::make_synthetic;
using multipos::data::SyntheticConfig;

TEST(Synthetic, SameSeedSameDatasetOtherSeedOtherDataset) {
  SyntheticConfig config;
  config.topics = 5;
  auto a = make_synthetic(config);
  auto b = make_synthetic(config);
  EXPECT_EQ(a.passage_texts, b.passage_texts);
  EXPECT_EQ(a.query_texts, b.query_texts);
  EXPECT_EQ(a.train_queries, b.train_queries);
  ASSERT_EQ(a.judgments.size(), b.judgments.size());
  for (size_t q = 0; q < a.judgments.size(); ++q) {
    ASSERT_EQ(a.judgments[q].size(), b.judgments[q].size());
    for (size_t j = 0; j < a.judgments[q].size(); ++j) EXPECT_EQ(a.judgments[q][j].passage, b.judgments[q][j].passage);
  }
  config.seed += 1;
  auto c = make_synthetic(config);
  EXPECT_NE(a.query_texts, c.query_texts);
}

TEST(Synthetic, SizesFollowTheConfig) {
  SyntheticConfig config;
  config.topics = 6;
  config.subtopics_per_topic = 3;
  config.queries_per_subtopic = 5;
  config.min_positives = 2;
  config.max_positives = 5;
  config.max_judged_per_query = 7;
  config.false_positive_rate = 0;
  auto data = make_synthetic(config);
  EXPECT_EQ(data.num_queries(), 6u * 3 * 5);
  EXPECT_EQ(data.hard_negatives.size(), data.num_queries());
  EXPECT_EQ(data.train_queries.size() + data.dev_queries.size() + data.test_queries.size(), data.num_queries());
  for (const auto& judged : data.judgments) {
    EXPECT_GE(judged.size(), 2u);
    EXPECT_LE(judged.size(), 7u);
    for (const auto& j : judged) EXPECT_FALSE(j.is_false_positive);  // rate 0 plants none
  }
}

TEST(Synthetic, PositivesAreGradedSourcedAndDisjointFromHardNegatives) {
  SyntheticConfig config;
  config.topics = 8;
  config.false_positive_rate = 0.5;
  auto data = make_synthetic(config);
  size_t planted = 0;
  for (size_t q = 0; q < data.num_queries(); ++q) {
    const auto& judged = data.judgments[q];
    ASSERT_FALSE(judged.empty());
    EXPECT_EQ(judged[0].label_source, 0) << "the top positive is the human one";
    EXPECT_FLOAT_EQ(judged[0].grade, 2.0f);
    std::unordered_set<int32_t> positives;
    for (const auto& j : judged) {
      positives.insert(j.passage);
      if (j.is_false_positive) {
        ++planted;
        EXPECT_EQ(j.label_source, 1) << "planted false positives come from the LLM annotator";
      }
    }
    EXPECT_EQ(positives.size(), judged.size()) << "no duplicate positives";
    EXPECT_FALSE(data.hard_negatives[q].empty());
    for (int32_t negative : data.hard_negatives[q]) EXPECT_FALSE(positives.count(negative)) << "query " << q;
  }
  double rate = static_cast<double>(planted) / static_cast<double>(data.num_queries());
  EXPECT_GT(rate, 0.35);
  EXPECT_LT(rate, 0.65);
}

TEST(Synthetic, SplitsAreDisjoint) {
  auto data = make_synthetic(SyntheticConfig{});
  std::set<int32_t> seen;
  for (const auto* split : {&data.train_queries, &data.dev_queries, &data.test_queries})
    for (int32_t q : *split) EXPECT_TRUE(seen.insert(q).second) << "query " << q << " in two splits";
  EXPECT_FALSE(data.dev_queries.empty());
  EXPECT_THROW(data.split("validation"), std::invalid_argument);
}

TEST(DatasetFactory, UnknownFieldsAndBadValuesNameTheField) {
  try {
    multipos::data::load_dataset({{"kind", "synthetic"}, {"topicz", 3}}, "cfg.json");
    FAIL();
  } catch (const multipos::util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("cfg.json: field 'dataset.topicz'"), std::string::npos) << error.what();
  }
  try {
    multipos::data::load_dataset({{"kind", "synthetic"}, {"false_positive_rate", 2.0}}, "cfg.json");
    FAIL();
  } catch (const multipos::util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("dataset.false_positive_rate"), std::string::npos) << error.what();
  }
  EXPECT_THROW(multipos::data::load_dataset({{"kind", "nosuch"}}, "cfg.json"), multipos::util::ConfigError);
}

// The graded mode (issue #24): three grades, many positives per query, highest grade first among
// the written positives, and every field still overridable.
TEST(Synthetic, GradedModeHasThreeGradesAndManyPositives) {
  auto dataset = multipos::data::load_dataset(
      {{"kind", "synthetic"}, {"graded", true}, {"topics", 3}, {"seed", 5}}, "test");
  std::set<float> grades;
  std::vector<size_t> counts;
  for (const auto& judged : dataset.judgments) {
    counts.push_back(judged.size());
    for (const auto& j : judged) grades.insert(j.grade);
    EXPECT_EQ(judged.front().grade, 3.0f) << "the annotator's top positive mentions both aspect words";
  }
  EXPECT_EQ(grades, (std::set<float>{1, 2, 3}));
  std::sort(counts.begin(), counts.end());
  EXPECT_GE(counts[counts.size() / 2], 15u) << "median positives per query";
  EXPECT_LE(counts.back(), 31u);  // 30 judged, plus at most one planted false positive
  auto overridden = multipos::data::load_dataset(
      {{"kind", "synthetic"}, {"graded", true}, {"topics", 2}, {"max_judged_per_query", 12}}, "test");
  for (const auto& judged : overridden.judgments) EXPECT_LE(judged.size(), 13u);
}
