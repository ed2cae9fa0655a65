// Paired significance tests between two systems scored on the same queries: Student's paired
// t-test, a paired randomization (sign-flip) test, and win/tie/loss counts. Inputs are the
// per-query values of one measure, aligned by query (see `paired_values`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace multipos::eval {

struct Evaluation;

struct PairedValues {
  std::vector<std::string> query_ids;
  std::vector<double> a;
  std::vector<double> b;
};

// Per-query values of `measure_name` for the queries both evaluations scored, in query order.
PairedValues paired_values(const Evaluation& a, const Evaluation& b,
                           const std::string& measure_name);

struct WinTieLoss {
  std::size_t wins = 0;    // queries where a > b + tolerance
  std::size_t ties = 0;
  std::size_t losses = 0;  // queries where a < b - tolerance
};

WinTieLoss count_win_tie_loss(const std::vector<double>& a, const std::vector<double>& b,
                              double tolerance = 0.0);

struct TTestResult {
  double mean_difference = 0.0;  // mean of a - b
  double t_statistic = 0.0;      // +-infinity when every difference is the same non-zero value
  double degrees_of_freedom = 0.0;
  double p_value = 1.0;          // two-sided
};

// Paired two-sided t-test on a - b. Needs at least two pairs (std::invalid_argument otherwise).
// All differences zero gives p = 1; all equal and non-zero gives p = 0 (scipy returns NaN for
// both; we pick the limits so callers need no special case).
TTestResult paired_t_test(const std::vector<double>& a, const std::vector<double>& b);

struct RandomizationResult {
  double mean_difference = 0.0;
  double p_value = 1.0;  // two-sided, (hits + 1) / (permutations + 1)
  std::size_t permutations = 0;
};

// Paired randomization test: each permutation flips the sign of every difference with
// probability 1/2 and counts |mean| >= |observed mean|. The observed labelling is counted as
// one permutation, so p is never 0. Deterministic for a given seed on every platform.
RandomizationResult paired_randomization_test(const std::vector<double>& a,
                                              const std::vector<double>& b,
                                              std::size_t permutations = 10000,
                                              std::uint64_t seed = 42);

// Student's t cumulative distribution function, exposed for tests.
double student_t_cdf(double t, double degrees_of_freedom);

// Regularized incomplete beta function I_x(a, b), exposed for tests.
double regularized_incomplete_beta(double x, double a, double b);

}  // namespace multipos::eval
