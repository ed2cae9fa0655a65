// Batch building: group layout, positive selection per objective, truncation, filling.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "core/objectives/batch_builder.hpp"

namespace multipos::objectives {
namespace {

constexpr int64_t kRandomBase = 1000000;  // ids handed out by the random-passage function

QueryCandidates query(const std::string& id, int positives, int hard_negatives, int64_t base) {
  QueryCandidates candidates{id, {}, {}};
  for (int k = 0; k < positives; ++k)
    candidates.positives.push_back({base + k, static_cast<float>(positives - k), k % 2, k == 1});
  for (int k = 0; k < hard_negatives; ++k) candidates.hard_negatives.push_back(base + 100 + k);
  return candidates;
}

RandomPassageFn counting_random_passages() {
  auto next = std::make_shared<int64_t>(kRandomBase);
  return [next](std::mt19937_64&) { return (*next)++; };
}

BatchBuilder builder_for(const std::string& objective, int group = 8, int max_positives = 4,
                         const std::string& draw = "rotation") {
  ObjectiveConfig config;
  config.name = objective;
  if (objective == "rand1lh") config.rand1_draw = draw;
  BatchOptions options;
  options.group_size = group;
  options.max_positives = max_positives;
  options.seed = 7;
  return BatchBuilder(config, options, counting_random_passages());
}

TEST(Fnv1a, MatchesPublishedVectors) {
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ull);
}

TEST(BatchBuilder, PositivesFirstThenHardNegatives) {
  auto builder = builder_for("jointlh");
  std::mt19937_64 rng(1);
  const auto batch = builder.build({query("a", 2, 10, 0), query("b", 3, 10, 500)}, 0, rng);
  ASSERT_EQ(batch.passage_ids.size(), 16u);
  EXPECT_EQ(batch.passage_ids[0], 0);
  EXPECT_EQ(batch.passage_ids[1], 1);
  EXPECT_EQ(batch.passage_ids[8], 500);
  EXPECT_EQ(batch.passage_ids[10], 502);
  const auto& layout = batch.layout;
  EXPECT_EQ(layout.rows, 2);
  EXPECT_EQ(layout.columns, 16);
  EXPECT_EQ(layout.positive_columns[1], (std::vector<int64_t>{8, 9, 10}));
  EXPECT_EQ(layout.own_negative_columns[1], (std::vector<int64_t>{11, 12, 13, 14, 15}));
  std::set<int64_t> negatives;
  for (int c = 2; c < 8; ++c) {
    EXPECT_GE(batch.passage_ids[c], 100);
    EXPECT_LT(batch.passage_ids[c], 110);
    negatives.insert(batch.passage_ids[c]);
  }
  EXPECT_EQ(negatives.size(), 6u) << "hard negatives are drawn without replacement";
  EXPECT_FLOAT_EQ(layout.column_grade[8], 3.0f);
  EXPECT_EQ(layout.column_label_source[9], 1);
  EXPECT_EQ(layout.column_is_false_positive[9], 1);
  EXPECT_EQ(layout.column_label_source[11], -1);
  EXPECT_TRUE(layout.warnings.empty());
}

TEST(BatchBuilder, TruncatesToMaxPositivesAndWarnsOnce) {
  auto builder = builder_for("summarglh", 8, 4);
  std::mt19937_64 rng(2);
  const std::vector<QueryCandidates> queries = {query("many", 6, 10, 0), query("few", 2, 10, 500),
                                                query("more", 5, 10, 900)};
  const auto first = builder.build(queries, 0, rng);
  EXPECT_EQ(first.layout.truncated_queries, 2);
  ASSERT_EQ(first.layout.warnings.size(), 1u);
  EXPECT_NE(first.layout.warnings[0].find("many"), std::string::npos);
  EXPECT_EQ(first.layout.positive_count(0), 4);
  EXPECT_EQ((std::vector<int64_t>(first.passage_ids.begin(), first.passage_ids.begin() + 4)),
            (std::vector<int64_t>{0, 1, 2, 3}));
  for (int c = 4; c < 8; ++c) {
    EXPECT_NE(first.passage_ids[c], 4) << "a truncated positive must not pose as a negative";
    EXPECT_NE(first.passage_ids[c], 5);
  }
  const auto second = builder.build(queries, 1, rng);
  EXPECT_EQ(second.layout.truncated_queries, 2);
  EXPECT_TRUE(second.layout.warnings.empty());
}

TEST(BatchBuilder, InfonceTakesTheFirstPositiveOnly) {
  auto builder = builder_for("infonce");
  std::mt19937_64 rng(3);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto batch = builder.build({query("a", 3, 10, 0)}, epoch, rng);
    EXPECT_EQ(batch.passage_ids[0], 0);
    EXPECT_EQ(batch.layout.positive_count(0), 1);
    for (int c = 1; c < 8; ++c) EXPECT_GE(batch.passage_ids[c], 100) << "other positives absent";
  }
}

TEST(BatchBuilder, Rand1RotationCyclesThroughAllPositives) {
  const int m = 3;
  auto builder = builder_for("rand1lh");
  auto other_builder = builder_for("rand1lh");
  std::mt19937_64 rng(4), other_rng(99);
  std::set<int64_t> drawn;
  std::vector<int64_t> sequence;
  for (int epoch = 0; epoch < 2 * m; ++epoch) {
    const auto batch = builder.build({query("q-17", m, 10, 0)}, epoch, rng);
    ASSERT_EQ(batch.layout.positive_count(0), 1);
    sequence.push_back(batch.passage_ids[0]);
    drawn.insert(batch.passage_ids[0]);
    EXPECT_EQ(batch.passage_ids[0], rand1_rotation_index("q-17", 7, epoch, m));
    // Deterministic: another builder with another rng draws the same positive.
    EXPECT_EQ(other_builder.build({query("q-17", m, 10, 0)}, epoch, other_rng).passage_ids[0],
              batch.passage_ids[0]);
  }
  EXPECT_EQ(drawn.size(), static_cast<size_t>(m));
  for (int epoch = 0; epoch < m; ++epoch) EXPECT_EQ(sequence[epoch], sequence[epoch + m]);
  EXPECT_EQ((sequence[1] - sequence[0] + m) % m, 1) << "consecutive epochs advance by one";
}

TEST(BatchBuilder, Rand1RotationDependsOnQueryAndSeed) {
  std::set<int64_t> starts;
  for (int q = 0; q < 20; ++q)
    starts.insert(rand1_rotation_index("q" + std::to_string(q), 7, 0, 4));
  EXPECT_GT(starts.size(), 1u) << "queries should not all start on the same positive";
  int differing = 0;
  for (int q = 0; q < 20; ++q)
    differing += rand1_rotation_index("q" + std::to_string(q), 7, 0, 4) !=
                 rand1_rotation_index("q" + std::to_string(q), 8, 0, 4);
  EXPECT_GT(differing, 0);
  EXPECT_THROW(rand1_rotation_index("q", 0, 0, 0), std::invalid_argument);
}

TEST(BatchBuilder, Rand1IidDrawIsReproducibleAndCoversPositives) {
  auto builder = builder_for("rand1lh", 8, 4, "iid");
  auto twin = builder_for("rand1lh", 8, 4, "iid");
  std::mt19937_64 rng(5), twin_rng(5);
  std::set<int64_t> drawn;
  for (int step = 0; step < 60; ++step) {
    const auto id = builder.build({query("a", 4, 10, 0)}, 0, rng).passage_ids[0];
    EXPECT_EQ(twin.build({query("a", 4, 10, 0)}, 0, twin_rng).passage_ids[0], id);
    drawn.insert(id);
  }
  EXPECT_EQ(drawn, (std::set<int64_t>{0, 1, 2, 3}));
}

TEST(BatchBuilder, FillsShortGroupsFromRandomPassagesAndDropsEmptyQueries) {
  auto builder = builder_for("jointlh", 4, 2);
  std::mt19937_64 rng(6);
  const auto batch = builder.build({query("short", 1, 1, 0), query("none", 0, 4, 500)}, 0, rng);
  EXPECT_EQ(batch.passage_ids[0], 0);
  EXPECT_EQ(batch.passage_ids[1], 100);
  EXPECT_EQ(batch.passage_ids[2], kRandomBase);
  EXPECT_EQ(batch.passage_ids[3], kRandomBase + 1);
  EXPECT_EQ(batch.layout.positive_count(1), 0);
  EXPECT_EQ(batch.layout.own_negative_columns[1].size(), 4u);
  EXPECT_EQ(batch.layout.used_rows(), 1);
  EXPECT_EQ(batch.layout.dropped_rows(), 1);
}

TEST(BatchBuilder, RandomPassagesNeverDuplicateTheQuerysOwnPassages) {
  ObjectiveConfig config;
  config.name = "jointlh";
  BatchOptions options;
  options.group_size = 4;
  options.max_positives = 2;
  BatchBuilder stubborn(config, options, [](std::mt19937_64&) { return int64_t{0}; });
  std::mt19937_64 rng(7);
  EXPECT_THROW(stubborn.build({query("q", 1, 0, 0)}, 0, rng), std::runtime_error);
}

TEST(BatchBuilder, RejectsBadOptions) {
  ObjectiveConfig config;
  config.name = "jointlh";
  BatchOptions options;
  options.max_positives = 9;
  EXPECT_THROW(BatchBuilder(config, options, counting_random_passages()), std::invalid_argument);
  options.max_positives = 4;
  EXPECT_THROW(BatchBuilder(config, options, nullptr), std::invalid_argument);
  config.name = "bogus";
  EXPECT_THROW(BatchBuilder(config, options, counting_random_passages()), std::invalid_argument);
}

TEST(ProbeRow, HoldsAllPositivesThenTheFixedNegatives) {
  const auto probe = make_probe_row(query("q", 6, 0, 0), {2, 300, 301}, {"human", "llm"});
  EXPECT_EQ(probe.passage_ids, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 300, 301}));
  EXPECT_EQ(probe.layout.rows, 1);
  EXPECT_EQ(probe.layout.positive_count(0), 6);
  EXPECT_EQ(probe.layout.own_negative_columns[0], (std::vector<int64_t>{6, 7}));
  EXPECT_EQ(probe.layout.max_positives, 6);
  EXPECT_NO_THROW(probe.layout.check());
}

TEST(ScoreLayout, CheckCatchesInconsistentLayouts) {
  auto layout = make_probe_row(query("q", 2, 0, 0), {300}, {"human"}).layout;
  layout.positive_columns[0].push_back(7);
  EXPECT_THROW(layout.check(), std::invalid_argument);
}

// ---- batch.positive_sampling (issue #24) ----

std::vector<float> descending_grades(size_t m) {
  std::vector<float> grades;
  for (size_t i = 0; i < m; ++i) grades.push_back(static_cast<float>(3 - static_cast<int>(i * 3 / m)));
  return grades;
}

TEST(PositiveSampling, FirstKeepsTheAnnotatorsTopOnesEveryEpoch) {
  for (int64_t epoch : {0, 1, 5})
    EXPECT_EQ(positive_sample_indices("first", "q", descending_grades(7), 3, 1, epoch),
              (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(positive_sample_indices("random", "q", descending_grades(2), 3, 1, 4),
            (std::vector<size_t>{0, 1}));  // fewer positives than max_positives: all of them
}

TEST(PositiveSampling, RotateCoversEveryPositiveWithinCeilMOverKEpochs) {
  // Hand-worked: m = 7, k = 3 -> epochs 0, 1, 2 start at 0, 3, 6.
  EXPECT_EQ(positive_sample_indices("rotate", "q", descending_grades(7), 3, 1, 0), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(positive_sample_indices("rotate", "q", descending_grades(7), 3, 1, 1), (std::vector<size_t>{3, 4, 5}));
  EXPECT_EQ(positive_sample_indices("rotate", "q", descending_grades(7), 3, 1, 2), (std::vector<size_t>{0, 1, 6}));
  for (size_t m = 1; m <= 30; ++m)
    for (int k = 1; k <= 8; ++k) {
      const auto epochs = static_cast<int64_t>((m + static_cast<size_t>(k) - 1) / static_cast<size_t>(k));
      std::set<size_t> seen;
      for (int64_t epoch = 0; epoch < epochs; ++epoch)
        for (size_t index : positive_sample_indices("rotate", "q", descending_grades(m), k, 3, epoch)) {
          ASSERT_LT(index, m);
          seen.insert(index);
        }
      EXPECT_EQ(seen.size(), m) << "m=" << m << " k=" << k << " not covered in " << epochs << " epochs";
    }
}

TEST(PositiveSampling, RandomDrawsAreReproducibleSeededAndVaryByEpoch) {
  const auto grades = descending_grades(20);
  const auto a = positive_sample_indices("random", "q1", grades, 4, 11, 3);
  EXPECT_EQ(a, positive_sample_indices("random", "q1", grades, 4, 11, 3));
  EXPECT_EQ(a.size(), 4u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<size_t>(a.begin(), a.end()).size(), 4u);
  bool differs_by_epoch = false, differs_by_seed = false;
  for (int64_t epoch = 0; epoch < 10; ++epoch)
    differs_by_epoch |= positive_sample_indices("random", "q1", grades, 4, 11, epoch) != a;
  for (uint64_t seed = 0; seed < 10; ++seed)
    differs_by_seed |= positive_sample_indices("random", "q1", grades, 4, seed, 3) != a;
  EXPECT_TRUE(differs_by_epoch);
  EXPECT_TRUE(differs_by_seed);
  // Uniform: over many epochs every positive is drawn about k/m = 1/5 of the time.
  std::vector<int> counts(20, 0);
  const int epochs = 4000;
  for (int64_t epoch = 0; epoch < epochs; ++epoch)
    for (size_t index : positive_sample_indices("random", "q1", grades, 4, 11, epoch)) ++counts[index];
  for (int count : counts) EXPECT_NEAR(count / static_cast<double>(epochs), 0.2, 0.04);
}

TEST(PositiveSampling, GradedRandomFavoursHigherGradesInProportion) {
  // One positive of grade 3 among grade-1 ones, k = 1: drawn with probability 3 / (3 + 1*5) = 3/8.
  const std::vector<float> grades = {3, 1, 1, 1, 1, 1};
  int top = 0;
  const int epochs = 8000;
  for (int64_t epoch = 0; epoch < epochs; ++epoch)
    top += positive_sample_indices("graded_random", "g", grades, 1, 5, epoch).front() == 0 ? 1 : 0;
  EXPECT_NEAR(top / static_cast<double>(epochs), 3.0 / 8.0, 0.02);
  EXPECT_EQ(positive_sample_indices("graded_random", "g", grades, 2, 5, 9),
            positive_sample_indices("graded_random", "g", grades, 2, 5, 9));
}

TEST(PositiveSampling, UnknownSchemeIsRefused) {
  EXPECT_THROW(positive_sample_indices("shuffle", "q", {1, 1}, 1, 0, 0), std::invalid_argument);
  ObjectiveConfig config;
  config.name = "jointlh";
  BatchOptions options;
  options.positive_sampling = "shuffle";
  EXPECT_THROW(BatchBuilder(config, options, counting_random_passages()), std::invalid_argument);
}

// The positives each row of a batch holds, by passage id.
std::vector<std::set<int64_t>> batch_positives(const Batch& batch) {
  std::vector<std::set<int64_t>> rows;
  for (const auto& columns : batch.layout.positive_columns) {
    rows.emplace_back();
    for (int64_t column : columns) rows.back().insert(batch.passage_ids[static_cast<size_t>(column)]);
  }
  return rows;
}

TEST(PositiveSampling, EveryObjectiveSeesTheSamePositivesForTheSameSeed) {
  const std::vector<QueryCandidates> queries = {query("a", 9, 3, 0), query("b", 5, 3, 500), query("c", 2, 3, 900)};
  for (const std::string scheme : {"rotate", "random", "graded_random"})
    for (int64_t epoch = 0; epoch < 4; ++epoch) {
      std::vector<std::vector<std::set<int64_t>>> seen;
      for (const std::string objective : {"jointlh", "lsepair", "summarglh", "infonce", "rand1lh"}) {
        ObjectiveConfig config;
        config.name = objective;
        BatchOptions options;
        options.max_positives = 3;
        options.seed = 7;
        options.positive_sampling = scheme;
        BatchBuilder builder(config, options, counting_random_passages());
        std::mt19937_64 rng(static_cast<uint64_t>(epoch) + 100);  // a different batch RNG per objective is fine
        for (size_t burn = 0; burn < objective.size(); ++burn) rng();
        seen.push_back(batch_positives(builder.build(queries, epoch, rng)));
      }
      for (size_t row = 0; row < queries.size(); ++row) {
        for (size_t o = 1; o < 3; ++o) EXPECT_EQ(seen[o][row], seen[0][row]) << scheme << " epoch " << epoch;
        for (size_t o = 3; o < 5; ++o) {  // single-positive objectives take one of the same set
          ASSERT_EQ(seen[o][row].size(), 1u);
          EXPECT_TRUE(seen[0][row].count(*seen[o][row].begin())) << scheme << " epoch " << epoch;
        }
        EXPECT_EQ(*seen[3][row].begin(), *seen[0][row].begin());  // infonce: the highest-graded one
      }
    }
}

TEST(PositiveSampling, UsageCountsDistinctPositivesAndRoundTrips) {
  ObjectiveConfig config;
  config.name = "jointlh";
  BatchOptions options;
  options.max_positives = 3;
  options.positive_sampling = "rotate";
  BatchBuilder builder(config, options, counting_random_passages());
  std::mt19937_64 rng(1);
  const std::vector<QueryCandidates> queries = {query("a", 7, 3, 0), query("b", 2, 3, 500)};
  builder.build(queries, 0, rng);
  EXPECT_EQ(builder.usage().used(), 3 + 2);
  builder.build(queries, 0, rng);  // the same positives again: nothing new
  EXPECT_EQ(builder.usage().used(), 5);
  builder.build(queries, 1, rng);  // a: 3, 4, 5
  EXPECT_EQ(builder.usage().used(), 8);
  PositiveUsage copy;
  copy.restore(builder.usage().state());
  EXPECT_EQ(copy.used(), 8);
  EXPECT_EQ(copy.state(), builder.usage().state());
  builder.build(queries, 2, rng);  // a: 0, 1, 6
  EXPECT_EQ(builder.usage().used(), 9);  // every positive of both queries
  EXPECT_THROW(copy.restore(nlohmann::json::object({{"a", "01x"}})), std::invalid_argument);
}

}  // namespace
}  // namespace multipos::objectives
