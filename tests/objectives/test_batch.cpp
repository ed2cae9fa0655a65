// Batch building: group layout, positive selection per objective, truncation, filling.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "core/objectives/batch.hpp"

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

}  // namespace
}  // namespace multipos::objectives
