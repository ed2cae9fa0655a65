// Significance tests against scipy 1.17.1 (scipy.stats.ttest_rel, scipy.stats.t.cdf,
// scipy.special.betainc; values printed with repr() and pasted here) and sanity properties of
// the randomization test.
#include <gtest/gtest.h>

#include <cmath>

#include "core/eval/metrics.hpp"
#include "core/eval/significance.hpp"

namespace multipos::eval {
namespace {

// The exact two-sided sign-flip p-value by enumerating all 2^n patterns (small n only).
double exact_sign_flip_p_value(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = a.size();
  double observed = 0.0;
  for (std::size_t i = 0; i < n; ++i) observed += a[i] - b[i];
  std::size_t extreme = 0;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) total += ((mask >> i) & 1u ? -1 : 1) * (a[i] - b[i]);
    extreme += std::fabs(total) >= std::fabs(observed) - 1e-12 ? 1 : 0;
  }
  return static_cast<double>(extreme) / static_cast<double>(1u << n);
}

TEST(Significance, IncompleteBetaMatchesScipy) {
  EXPECT_NEAR(regularized_incomplete_beta(0.3, 2.0, 3.0), 0.34829999999999994, 1e-12);
  EXPECT_NEAR(regularized_incomplete_beta(0.9, 0.5, 0.5), 0.7951672353008665, 1e-12);
  EXPECT_NEAR(regularized_incomplete_beta(0.01, 10.0, 0.5), 1.770034965528571e-21, 1e-32);
  EXPECT_NEAR(regularized_incomplete_beta(0.999, 50.0, 0.5), 0.7523690199653766, 1e-12);
  EXPECT_NEAR(regularized_incomplete_beta(0.5, 100.0, 200.0), 0.9999999973534454, 1e-12);
  EXPECT_EQ(regularized_incomplete_beta(0.0, 2.0, 3.0), 0.0);
  EXPECT_EQ(regularized_incomplete_beta(1.0, 2.0, 3.0), 1.0);
  EXPECT_THROW(regularized_incomplete_beta(1.5, 2.0, 3.0), std::invalid_argument);
}

TEST(Significance, StudentTCdfMatchesScipy) {
  EXPECT_NEAR(student_t_cdf(2.0, 5.0), 0.9490302605850708, 1e-12);
  EXPECT_NEAR(student_t_cdf(-1.5, 3.0), 0.11529193262241147, 1e-12);
  EXPECT_NEAR(student_t_cdf(0.0, 10.0), 0.5, 1e-15);
  EXPECT_NEAR(student_t_cdf(4.0, 1.0), 0.9220208696226306, 1e-12);
  EXPECT_NEAR(student_t_cdf(-3.2, 120.0), 0.0008792849619446538, 1e-15);
}

TEST(Significance, PairedTTestMatchesScipy) {
  const std::vector<double> a = {0.5, 0.7, 0.2, 0.9, 0.4, 0.65, 0.3, 0.8};
  const std::vector<double> b = {0.45, 0.6, 0.25, 0.7, 0.35, 0.6, 0.1, 0.75};
  const TTestResult result = paired_t_test(a, b);
  EXPECT_NEAR(result.t_statistic, 2.727682454452323, 1e-10);
  EXPECT_NEAR(result.p_value, 0.02943705297569566, 1e-10);
  EXPECT_EQ(result.degrees_of_freedom, 7.0);
  EXPECT_NEAR(result.mean_difference, 0.08125, 1e-12);

  const TTestResult small = paired_t_test({0.1, 0.2, 0.3, 0.4, 0.5}, {0.12, 0.18, 0.33, 0.38, 0.5});
  EXPECT_NEAR(small.t_statistic, -0.1961161351381835, 1e-10);
  EXPECT_NEAR(small.p_value, 0.8540797033781722, 1e-10);
}

TEST(Significance, TTestDegenerateCases) {
  EXPECT_EQ(paired_t_test({0.3, 0.5, 0.1}, {0.3, 0.5, 0.1}).p_value, 1.0);
  const TTestResult shifted = paired_t_test({0.4, 0.6, 0.2}, {0.3, 0.5, 0.1});
  EXPECT_LT(shifted.p_value, 1e-12);
  EXPECT_THROW(paired_t_test({0.1}, {0.2}), std::invalid_argument);
  EXPECT_THROW(paired_t_test({0.1, 0.2}, {0.2}), std::invalid_argument);
}

TEST(Significance, RandomizationIdenticalRunsGivePOne) {
  const std::vector<double> a = {0.1, 0.5, 0.9, 0.3, 0.0, 1.0};
  const RandomizationResult result = paired_randomization_test(a, a, 2000, 1);
  EXPECT_EQ(result.p_value, 1.0);
  EXPECT_EQ(result.mean_difference, 0.0);
}

TEST(Significance, RandomizationSeparatesDifferentRuns) {
  std::vector<double> a;
  std::vector<double> b;
  for (int i = 0; i < 40; ++i) {
    b.push_back(0.2 + 0.01 * (i % 7));
    a.push_back(b.back() + 0.3 + 0.02 * (i % 3));
  }
  const RandomizationResult strong = paired_randomization_test(a, b, 5000, 3);
  // All differences are positive: only the full negation (chance 2^-40) reaches |observed|,
  // so p is the floor 1 / (permutations + 1).
  EXPECT_DOUBLE_EQ(strong.p_value, 1.0 / 5001.0);
  EXPECT_NEAR(strong.mean_difference, 0.3 + 0.02 * (39.0 / 40.0), 0.01);

  // A small mixed-sign difference is not significant, and seeds make it reproducible.
  const std::vector<double> c = {0.5, 0.4, 0.6, 0.5, 0.3, 0.7, 0.45, 0.55};
  const std::vector<double> d = {0.42, 0.45, 0.55, 0.52, 0.35, 0.6, 0.5, 0.5};
  const RandomizationResult weak = paired_randomization_test(c, d, 4000, 9);
  EXPECT_GT(weak.p_value, 0.3);
  EXPECT_EQ(weak.p_value, paired_randomization_test(c, d, 4000, 9).p_value);
  EXPECT_NE(weak.p_value, paired_randomization_test(c, d, 4000, 10).p_value);
  EXPECT_NEAR(weak.p_value, exact_sign_flip_p_value(c, d), 0.03);
}

TEST(Significance, RandomizationZeroMeanDifferenceGivesPOne) {
  // Differences cancel exactly in real numbers but not in floating point.
  const std::vector<double> c = {0.5, 0.4, 0.6, 0.5, 0.3, 0.7, 0.45, 0.55};
  const std::vector<double> d = {0.45, 0.45, 0.55, 0.55, 0.35, 0.65, 0.5, 0.5};
  EXPECT_DOUBLE_EQ(exact_sign_flip_p_value(c, d), 1.0);
  EXPECT_EQ(paired_randomization_test(c, d, 1000, 5).p_value, 1.0);
}

TEST(Significance, WinTieLossAndPairing) {
  const WinTieLoss counts = count_win_tie_loss({0.5, 0.2, 0.3, 0.4}, {0.4, 0.2, 0.35, 0.4001}, 1e-3);
  EXPECT_EQ(counts.wins, 1u);
  EXPECT_EQ(counts.ties, 2u);
  EXPECT_EQ(counts.losses, 1u);

  const Qrels qrels = {{"q1", {{"a", 1}}}, {"q2", {{"b", 1}}}, {"q3", {{"c", 1}}}};
  const eval::Run first = {{"q1", {{"a", 1.0}}}, {"q2", {{"x", 1.0}, {"b", 0.5}}}};
  const eval::Run second = {{"q2", {{"b", 1.0}}}, {"q3", {{"c", 1.0}}}};
  const auto measures = parse_measures({"recip_rank"});
  const PairedValues paired =
      paired_values(evaluate(qrels, first, measures), evaluate(qrels, second, measures), "recip_rank");
  ASSERT_EQ(paired.query_ids, std::vector<std::string>{"q2"});
  EXPECT_EQ(paired.a, std::vector<double>{0.5});
  EXPECT_EQ(paired.b, std::vector<double>{1.0});
}

}  // namespace
}  // namespace multipos::eval
