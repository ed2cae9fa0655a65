#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/data/label_regime.hpp"
#include "core/data/synthetic.hpp"

using namespace multipos::data;

namespace {

// Four train queries (one without positives), one dev and one test query, 20 passages.
Dataset small_dataset() {
  Dataset data;
  data.name = "small";
  data.label_sources = {"human"};
  for (int p = 0; p < 20; ++p) {
    data.passage_ids.push_back("p" + std::to_string(p));
    data.passage_texts.push_back("text " + std::to_string(p));
  }
  for (int q = 0; q < 6; ++q) {
    data.query_ids.push_back("q" + std::to_string(q));
    data.query_texts.push_back("query " + std::to_string(q));
  }
  data.judgments = {{{0, 2, 0, false}, {1, 2, 0, false}, {2, 1, 0, false}, {3, 1, 0, false}},
                    {{4, 3, 0, false}, {5, 1, 0, false}},
                    {{6, 1, 0, false}},
                    {},
                    {{7, 2, 0, false}, {8, 1, 0, false}},
                    {{9, 1, 0, false}}};
  data.hard_negatives = {{10, 11}, {}, {}, {}, {12}, {}};
  data.train_queries = {0, 1, 2, 3};
  data.dev_queries = {4};
  data.test_queries = {5};
  return data;
}

bool same_judgments(const std::vector<Judgment>& a, const std::vector<Judgment>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].passage != b[i].passage || a[i].grade != b[i].grade || a[i].label_source != b[i].label_source ||
        a[i].is_false_positive != b[i].is_false_positive)
      return false;
  return true;
}

void expect_dev_and_test_untouched(const Dataset& changed) {
  const Dataset original = small_dataset();
  EXPECT_TRUE(same_judgments(changed.judgments[4], original.judgments[4])) << "dev judgments changed";
  EXPECT_TRUE(same_judgments(changed.judgments[5], original.judgments[5])) << "test judgments changed";
  EXPECT_EQ(changed.hard_negatives[4], original.hard_negatives[4]);
}

const std::string& source_of(const Dataset& data, const Judgment& j) { return data.label_sources[static_cast<size_t>(j.label_source)]; }

size_t count_train(const Dataset& data, bool false_positives) {
  size_t count = 0;
  for (int32_t q : data.train_queries)
    for (const auto& j : data.judgments[static_cast<size_t>(q)]) count += j.is_false_positive == false_positives;
  return count;
}

}  // namespace

TEST(LabelRegime, HumanSingleKeepsTheTopGradeWithASeededTieBreak) {
  std::set<int32_t> picks_for_q0;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    Dataset data = small_dataset();
    apply_regime(data, {Regime::human_single, 1, 0, seed});
    ASSERT_EQ(data.judgments[0].size(), 1u);
    picks_for_q0.insert(data.judgments[0][0].passage);
    EXPECT_EQ(source_of(data, data.judgments[0][0]), "human");
    ASSERT_EQ(data.judgments[1].size(), 1u);
    EXPECT_EQ(data.judgments[1][0].passage, 4) << "the only grade-3 positive";
    EXPECT_EQ(data.judgments[2].size(), 1u);
    EXPECT_TRUE(data.judgments[3].empty());
    expect_dev_and_test_untouched(data);
  }
  EXPECT_EQ(picks_for_q0, (std::set<int32_t>{0, 1})) << "ties between p0 and p1 go either way across seeds";
  Dataset a = small_dataset(), b = small_dataset();
  apply_regime(a, {Regime::human_single, 1, 0, 5});
  apply_regime(b, {Regime::human_single, 1, 0, 5});
  EXPECT_EQ(a.judgments[0][0].passage, b.judgments[0][0].passage) << "same seed, same pick";
}

TEST(LabelRegime, LlmDenseKeepsGradesAboveThresholdCapped) {
  Dataset data = small_dataset();
  apply_regime(data, {Regime::llm_dense, 2, 0, 1});
  ASSERT_EQ(data.judgments[0].size(), 2u);
  EXPECT_EQ(data.judgments[0][0].passage, 0);
  EXPECT_EQ(data.judgments[0][1].passage, 1);
  for (const auto& j : data.judgments[0]) EXPECT_EQ(source_of(data, j), "llm");
  EXPECT_EQ(data.judgments[1].size(), 1u);
  EXPECT_TRUE(data.judgments[2].empty()) << "its only positive has grade 1 < 2";
  expect_dev_and_test_untouched(data);
  ASSERT_FALSE(data.notes.empty());
  EXPECT_NE(data.notes.back().find("1 queries left without positives"), std::string::npos) << data.notes.back();

  Dataset capped = small_dataset();
  apply_regime(capped, {Regime::llm_dense, 1, 3, 1});
  EXPECT_EQ(capped.judgments[0].size(), 3u);
  EXPECT_EQ(capped.judgments[0][2].passage, 2);
}

TEST(LabelRegime, MixedPutsTheHumanPositiveFirstThenLlmPositives) {
  Dataset data = small_dataset();
  apply_regime(data, {Regime::mixed, 1, 3, 9});
  const auto& judged = data.judgments[0];
  ASSERT_EQ(judged.size(), 3u);
  EXPECT_EQ(source_of(data, judged[0]), "human");
  EXPECT_FLOAT_EQ(judged[0].grade, 2);
  EXPECT_EQ(source_of(data, judged[1]), "llm");
  EXPECT_EQ(source_of(data, judged[2]), "llm");
  std::set<int32_t> passages{judged[0].passage, judged[1].passage, judged[2].passage};
  EXPECT_EQ(passages.size(), 3u);
  ASSERT_EQ(data.judgments[1].size(), 2u);
  EXPECT_EQ(data.judgments[1][0].passage, 4);
  EXPECT_EQ(source_of(data, data.judgments[1][1]), "llm");
  expect_dev_and_test_untouched(data);
}

TEST(Noise, DropRemovesAnExactCountButNeverAQuerysLastPositive) {
  Dataset data = small_dataset();
  NoiseConfig config;
  config.drop_rate = 0.5;  // round(0.5 * 7) = 4 = every positive but each query's last
  NoiseReport report = apply_noise(data, config);
  EXPECT_EQ(report.true_positives_before, 7u);
  EXPECT_EQ(report.dropped, 4u);
  EXPECT_EQ(data.judgments[0].size(), 1u);
  EXPECT_EQ(data.judgments[1].size(), 1u);
  EXPECT_EQ(data.judgments[2].size(), 1u);
  expect_dev_and_test_untouched(data);

  Dataset mild = small_dataset();
  config.drop_rate = 0.2;  // round(1.4) = 1
  EXPECT_EQ(apply_noise(mild, config).dropped, 1u);
  EXPECT_EQ(count_train(mild, false), 6u);
}

TEST(Noise, InjectsAnExactNumberOfFlaggedLlmFalsePositives) {
  Dataset data = small_dataset();
  NoiseConfig config;
  config.false_positive_rate = 0.5;  // injected = round(0.5 * 7 / 0.5) = 7: half the positives false
  config.seed = 42;
  NoiseReport report = apply_noise(data, config);
  EXPECT_EQ(report.injected, 7u);
  EXPECT_EQ(count_train(data, true), 7u);
  EXPECT_EQ(count_train(data, false), 7u);
  EXPECT_LE(report.injected_from_hard_negatives, 2u) << "q0 has two hard negatives, the others none";
  for (int32_t q : data.train_queries) {
    const auto& judged = data.judgments[static_cast<size_t>(q)];
    std::set<int32_t> passages;
    for (size_t i = 0; i < judged.size(); ++i) {
      EXPECT_TRUE(passages.insert(judged[i].passage).second) << "a passage judged twice for query " << q;
      if (i > 0) {
        EXPECT_GE(judged[i - 1].grade, judged[i].grade) << "grades stay in order";
      }
      if (judged[i].is_false_positive) {
        EXPECT_GT(i, 0u) << "the annotator's top positive stays first";
        EXPECT_EQ(source_of(data, judged[i]), "llm");
      }
    }
    for (int32_t negative : data.hard_negatives[static_cast<size_t>(q)]) EXPECT_FALSE(passages.count(negative));
  }
  EXPECT_TRUE(data.judgments[3].empty()) << "a query without true positives gets no false ones";
  expect_dev_and_test_untouched(data);

  Dataset again = small_dataset();
  apply_noise(again, config);
  for (int32_t q : data.train_queries)
    EXPECT_TRUE(same_judgments(data.judgments[static_cast<size_t>(q)], again.judgments[static_cast<size_t>(q)]))
        << "same seed, same noise";
}

TEST(Noise, CapKeepsTheFirstPositives) {
  Dataset data = small_dataset();
  NoiseConfig config;
  config.max_positives = 2;
  NoiseReport report = apply_noise(data, config);
  EXPECT_EQ(report.capped, 2u);
  EXPECT_EQ(data.judgments[0].size(), 2u);
  EXPECT_EQ(data.judgments[0][1].passage, 1);
  expect_dev_and_test_untouched(data);
  config.false_positive_rate = 1.0;
  EXPECT_THROW(apply_noise(data, config), std::invalid_argument);
}

TEST(Noise, RateHoldsOnALargerDatasetAndHardNegativesAreUsedFirst) {
  SyntheticConfig synthetic;
  synthetic.false_positive_rate = 0;
  Dataset data = make_synthetic(synthetic);
  const size_t true_before = count_train(data, false);
  NoiseConfig config;
  config.false_positive_rate = 0.2;
  config.drop_rate = 0.1;
  config.seed = 3;
  NoiseReport report = apply_noise(data, config);
  EXPECT_EQ(report.dropped, static_cast<size_t>(std::llround(0.1 * static_cast<double>(true_before))));
  const size_t true_after = true_before - report.dropped;
  EXPECT_EQ(report.injected, static_cast<size_t>(std::llround(0.2 * static_cast<double>(true_after) / 0.8)));
  EXPECT_EQ(report.injected_from_hard_negatives, report.injected) << "every synthetic query has hard negatives";
  EXPECT_EQ(count_train(data, true), report.injected);
  for (int32_t q : data.dev_queries)
    for (const auto& j : data.judgments[static_cast<size_t>(q)]) EXPECT_FALSE(j.is_false_positive);
}
