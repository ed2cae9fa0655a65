// Hand-computed metric values: ties, graded labels, zero-relevant queries, trec_eval's
// averaging conventions and the errors a malformed run must raise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/eval/metrics.hpp"

namespace multipos::eval {
namespace {

const QueryJudgments kGraded = {{"a", 3}, {"b", 2}, {"c", 0}, {"d", 1}};
// trec order: c (3.0), then the 2.0 ties by id descending z, b, a, then d.
// Relevance by rank: 1 c:0, 2 z:unjudged, 3 b:2, 4 a:3, 5 d:1.
const std::vector<RunEntry> kTiedRun = {
    {"a", 2.0}, {"d", 1.0}, {"z", 2.0}, {"c", 3.0}, {"b", 2.0}};

double value_of(const std::string& measure, int threshold = 1) {
  return evaluate_query(kGraded, kTiedRun, {Measure::parse(measure)}, threshold).at(0);
}

TEST(Metrics, BinaryMeasuresFollowTrecTieOrder) {
  EXPECT_DOUBLE_EQ(value_of("P_5"), 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(value_of("P_10"), 3.0 / 10.0);  // trec_eval divides by k, not by retrieved
  EXPECT_DOUBLE_EQ(value_of("recall_3"), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(value_of("recall_100"), 1.0);
  EXPECT_DOUBLE_EQ(value_of("recip_rank"), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(value_of("recip_rank_cut_2"), 0.0);
  EXPECT_DOUBLE_EQ(value_of("recip_rank_cut_3"), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(value_of("map"), (1.0 / 3 + 2.0 / 4 + 3.0 / 5) / 3.0);
  EXPECT_DOUBLE_EQ(value_of("map_cut_4"), (1.0 / 3 + 2.0 / 4) / 3.0);
}

TEST(Metrics, NdcgUsesGradesAsGainAndAllJudgedDocsForIdeal) {
  const double dcg = 2 / std::log2(4.0) + 3 / std::log2(5.0) + 1 / std::log2(6.0);
  const double ideal = 3 / std::log2(2.0) + 2 / std::log2(3.0) + 1 / std::log2(4.0);
  EXPECT_NEAR(value_of("ndcg_cut_5"), dcg / ideal, 1e-12);
  EXPECT_NEAR(value_of("ndcg_cut_3"), (2 / std::log2(4.0)) / ideal, 1e-12);
  EXPECT_DOUBLE_EQ(value_of("ndcg_cut_2"), 0.0);
  // The ideal ranking at cutoff 1 holds only the grade-3 document.
  const std::vector<RunEntry> best_first = {{"a", 1.0}};
  EXPECT_DOUBLE_EQ(evaluate_query(kGraded, best_first, {Measure::parse("ndcg_cut_1")}).at(0), 1.0);
}

TEST(Metrics, RelevanceThresholdAppliesToBinaryMeasuresOnly) {
  // With threshold 2 only a and b are relevant.
  EXPECT_DOUBLE_EQ(value_of("P_5", 2), 2.0 / 5.0);
  EXPECT_DOUBLE_EQ(value_of("map", 2), (1.0 / 3 + 2.0 / 4) / 2.0);
  EXPECT_DOUBLE_EQ(value_of("recall_3", 2), 1.0 / 2.0);
  EXPECT_DOUBLE_EQ(value_of("ndcg_cut_5", 2), value_of("ndcg_cut_5", 1));
  // Threshold 0 makes judged grade-0 documents relevant, never unjudged ones.
  EXPECT_DOUBLE_EQ(value_of("recip_rank", 0), 1.0);
  EXPECT_DOUBLE_EQ(value_of("P_5", 0), 4.0 / 5.0);
}

TEST(Metrics, NegativeGradesAreNotRelevantAndHaveNoGain) {
  const QueryJudgments judgments = {{"a", 1}, {"b", -1}};
  const std::vector<RunEntry> run = {{"b", 2.0}, {"a", 1.0}};
  const auto values = evaluate_query(judgments, run, parse_measures({"ndcg_cut_10", "recip_rank"}));
  EXPECT_NEAR(values[0], 1.0 / std::log2(3.0), 1e-12);
  EXPECT_DOUBLE_EQ(values[1], 0.5);
}

TEST(Metrics, ZeroRelevantQueryScoresZeroEverywhere) {
  const QueryJudgments none_relevant = {{"a", 0}, {"b", 0}};
  const std::vector<RunEntry> run = {{"a", 2.0}, {"b", 1.0}};
  const auto measures = parse_measures(
      {"ndcg_cut_10", "recall_10", "P_10", "recip_rank", "recip_rank_cut_10", "map", "map_cut_10"});
  for (double value : evaluate_query(none_relevant, run, measures)) EXPECT_EQ(value, 0.0);
}

TEST(Metrics, InputOrderDoesNotMatter) {
  std::vector<RunEntry> shuffled = kTiedRun;
  std::mt19937 generator(7);
  const auto measures = parse_measures({"ndcg_cut_3", "map", "P_2", "recip_rank"});
  const auto reference = evaluate_query(kGraded, kTiedRun, measures);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(shuffled.begin(), shuffled.end(), generator);
    EXPECT_EQ(evaluate_query(kGraded, shuffled, measures), reference);
  }
}

TEST(Metrics, AveragingFollowsTrecEvalQuerySets) {
  const Qrels qrels = {{"q1", kGraded}, {"q2", {{"a", 0}}}, {"q3", {{"a", 1}}}};
  const eval::Run run = {{"q1", kTiedRun}, {"q2", {{"a", 1.0}}}, {"q9", {{"a", 1.0}}}};
  const auto measures = parse_measures({"recip_rank"});

  const Evaluation intersection = evaluate(qrels, run, measures);
  ASSERT_EQ(intersection.per_query.size(), 2u);  // q9 has no qrels, q3 no run
  EXPECT_EQ(intersection.per_query[0].query_id, "q1");
  EXPECT_EQ(intersection.per_query[1].query_id, "q2");
  EXPECT_DOUBLE_EQ(intersection.mean_of("recip_rank"), (1.0 / 3.0 + 0.0) / 2.0);

  EvalOptions complete;
  complete.average_over_all_judged_queries = true;
  const Evaluation all = evaluate(qrels, run, measures, complete);
  ASSERT_EQ(all.per_query.size(), 3u);
  EXPECT_FALSE(all.per_query[2].in_run);
  EXPECT_DOUBLE_EQ(all.value("q3", "recip_rank"), 0.0);
  EXPECT_DOUBLE_EQ(all.mean_of("recip_rank"), (1.0 / 3.0) / 3.0);
  EXPECT_THROW(all.value("q9", "recip_rank"), std::out_of_range);
  EXPECT_THROW(all.mean_of("map"), std::out_of_range);
}

TEST(Metrics, RunWithoutJudgedQueriesIsAnError) {
  const Qrels qrels = {{"q1", kGraded}};
  const eval::Run run = {{"other", kTiedRun}};
  EXPECT_THROW(evaluate(qrels, run, parse_measures({"map"})), std::invalid_argument);
}

TEST(Metrics, DuplicateDocumentNamesQueryAndDocument) {
  const Qrels qrels = {{"q1", kGraded}};
  const eval::Run run = {{"q1", {{"a", 1.0}, {"b", 0.5}, {"a", 0.2}}}};
  try {
    evaluate(qrels, run, parse_measures({"map"}));
    FAIL() << "duplicate document accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("'q1'"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("'a'"), std::string::npos) << error.what();
  }
}

TEST(Metrics, ThreadCountDoesNotChangeResultsAndErrorsSurface) {
  Qrels qrels;
  eval::Run run;
  std::mt19937 generator(3);
  for (int q = 0; q < 300; ++q) {
    const std::string query = "q" + std::to_string(q);
    for (int d = 0; d < 40; ++d) {
      const std::string doc = "d" + std::to_string(d);
      if (d % 4 == 0) qrels[query][doc] = static_cast<int>(generator() % 4);
      run[query].push_back({doc, static_cast<double>(generator() % 10)});
    }
  }
  const auto measures = parse_measures({"ndcg_cut_10", "map", "P_5", "recip_rank_cut_10"});
  EvalOptions one_thread;
  one_thread.threads = 1;
  EvalOptions three_threads;
  three_threads.threads = 3;
  const Evaluation serial = evaluate(qrels, run, measures, one_thread);
  const Evaluation parallel = evaluate(qrels, run, measures, three_threads);
  ASSERT_EQ(serial.per_query.size(), 300u);
  EXPECT_EQ(serial.mean, parallel.mean);
  for (std::size_t i = 0; i < serial.per_query.size(); ++i) {
    EXPECT_EQ(serial.per_query[i].query_id, parallel.per_query[i].query_id);
    EXPECT_EQ(serial.per_query[i].values, parallel.per_query[i].values);
  }
  run["q150"].push_back({"d7", 0.5});  // duplicate in one query among many
  EXPECT_THROW(evaluate(qrels, run, measures, three_threads), std::invalid_argument);
}

TEST(Metrics, MeasureNamesRoundTripAndBadNamesThrow) {
  for (const char* name : {"ndcg_cut_10", "recall_100", "P_5", "recip_rank", "recip_rank_cut_10",
                           "map", "map_cut_1000"}) {
    EXPECT_EQ(Measure::parse(name).name(), name);
  }
  EXPECT_EQ(Measure::parse("P_20").kind, MeasureKind::precision);
  EXPECT_EQ(Measure::parse("P_20").cutoff, 20);
  for (const char* bad : {"ndcg", "P_", "P_0", "P_-3", "P_1x", "mapp", "recall_10.5", ""}) {
    EXPECT_THROW(Measure::parse(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace multipos::eval
