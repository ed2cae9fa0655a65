#include "core/eval/significance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "core/eval/metrics.hpp"

namespace multipos::eval {

namespace {

void check_paired(const std::vector<double>& a, const std::vector<double>& b,
                  std::size_t minimum) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("paired test: " + std::to_string(a.size()) + " values against " +
                                std::to_string(b.size()));
  }
  if (a.size() < minimum) {
    throw std::invalid_argument("paired test: needs at least " + std::to_string(minimum) +
                                " pairs, got " + std::to_string(a.size()));
  }
}

// Continued fraction for I_x(a, b) by the modified Lentz method; converges quickly for
// x < (a + 1) / (a + b + 2), the caller uses the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) otherwise.
double incomplete_beta_fraction(double x, double a, double b) {
  constexpr double kTiny = 1e-300;
  constexpr double kEpsilon = 1e-16;
  constexpr int kMaxIterations = 10000;
  auto guard = [](double value) { return std::fabs(value) < kTiny ? kTiny : value; };
  double c = 1.0;
  double d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
  double fraction = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double two_m = 2.0 * m;
    // Even step of the fraction.
    double numerator = m * (b - m) * x / ((a + two_m - 1.0) * (a + two_m));
    d = 1.0 / guard(1.0 + numerator * d);
    c = guard(1.0 + numerator / c);
    fraction *= d * c;
    // Odd step.
    numerator = -(a + m) * (a + b + m) * x / ((a + two_m) * (a + two_m + 1.0));
    d = 1.0 / guard(1.0 + numerator * d);
    c = guard(1.0 + numerator / c);
    const double change = d * c;
    fraction *= change;
    if (std::fabs(change - 1.0) < kEpsilon) return fraction;
  }
  throw std::runtime_error("regularized_incomplete_beta: no convergence");
}

double mean_of(const std::vector<double>& values) {
  double total = 0.0;
  for (double value : values) total += value;
  return total / static_cast<double>(values.size());
}

std::vector<double> differences(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> diff(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) diff[i] = a[i] - b[i];
  return diff;
}

}  // namespace

double regularized_incomplete_beta(double x, double a, double b) {
  if (!(a > 0.0) || !(b > 0.0)) throw std::invalid_argument("incomplete beta: a, b must be > 0");
  if (!(x >= 0.0 && x <= 1.0)) throw std::invalid_argument("incomplete beta: x outside [0, 1]");
  if (x == 0.0 || x == 1.0) return x;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                           a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * incomplete_beta_fraction(x, a, b) / a;
  return 1.0 - front * incomplete_beta_fraction(1.0 - x, b, a) / b;
}

double student_t_cdf(double t, double degrees_of_freedom) {
  if (!(degrees_of_freedom > 0.0)) throw std::invalid_argument("t cdf: degrees of freedom <= 0");
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  // P(|T| > |t|) = I_{v / (v + t^2)}(v/2, 1/2).
  const double tail_both = regularized_incomplete_beta(
      degrees_of_freedom / (degrees_of_freedom + t * t), degrees_of_freedom / 2.0, 0.5);
  return t >= 0.0 ? 1.0 - tail_both / 2.0 : tail_both / 2.0;
}

PairedValues paired_values(const Evaluation& a, const Evaluation& b,
                           const std::string& measure_name) {
  const std::size_t index_a = a.measure_index(measure_name);
  const std::size_t index_b = b.measure_index(measure_name);
  PairedValues paired;
  // per_query is sorted by id in both: a merge walk finds the common queries.
  auto left = a.per_query.begin();
  auto right = b.per_query.begin();
  while (left != a.per_query.end() && right != b.per_query.end()) {
    if (left->query_id < right->query_id) {
      ++left;
    } else if (right->query_id < left->query_id) {
      ++right;
    } else {
      paired.query_ids.push_back(left->query_id);
      paired.a.push_back(left->values[index_a]);
      paired.b.push_back(right->values[index_b]);
      ++left;
      ++right;
    }
  }
  return paired;
}

WinTieLoss count_win_tie_loss(const std::vector<double>& a, const std::vector<double>& b,
                              double tolerance) {
  check_paired(a, b, 0);
  WinTieLoss counts;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i] + tolerance) {
      ++counts.wins;
    } else if (a[i] < b[i] - tolerance) {
      ++counts.losses;
    } else {
      ++counts.ties;
    }
  }
  return counts;
}

TTestResult paired_t_test(const std::vector<double>& a, const std::vector<double>& b) {
  check_paired(a, b, 2);
  const std::vector<double> diff = differences(a, b);
  const double n = static_cast<double>(diff.size());
  TTestResult result;
  result.mean_difference = mean_of(diff);
  result.degrees_of_freedom = n - 1.0;
  double squares = 0.0;
  for (double d : diff) squares += (d - result.mean_difference) * (d - result.mean_difference);
  const double standard_error = std::sqrt(squares / (n - 1.0) / n);
  if (standard_error == 0.0) {
    const bool no_difference = result.mean_difference == 0.0;
    result.t_statistic = no_difference ? 0.0
                                       : std::copysign(std::numeric_limits<double>::infinity(),
                                                       result.mean_difference);
    result.p_value = no_difference ? 1.0 : 0.0;
    return result;
  }
  result.t_statistic = result.mean_difference / standard_error;
  result.p_value = 2.0 * student_t_cdf(-std::fabs(result.t_statistic), result.degrees_of_freedom);
  return result;
}

RandomizationResult paired_randomization_test(const std::vector<double>& a,
                                              const std::vector<double>& b,
                                              std::size_t permutations, std::uint64_t seed) {
  check_paired(a, b, 1);
  if (permutations == 0) throw std::invalid_argument("randomization test: 0 permutations");
  const std::vector<double> diff = differences(a, b);
  RandomizationResult result;
  result.permutations = permutations;
  result.mean_difference = mean_of(diff);
  // Sums of the same values in another order can differ in the last bits; without a slack
  // scaled to the differences, a permutation as extreme as the observed one could be missed
  // (notably when the observed mean is zero up to rounding).
  double mean_magnitude = 0.0;
  for (double d : diff) mean_magnitude += std::fabs(d) / static_cast<double>(diff.size());
  const double observed = std::fabs(result.mean_difference) - 1e-12 * mean_magnitude;
  // Raw mt19937_64 bits, not std::bernoulli_distribution, whose output is implementation-defined.
  std::mt19937_64 generator(seed);
  std::size_t hits = 0;
  for (std::size_t p = 0; p < permutations; ++p) {
    double total = 0.0;
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < diff.size(); ++i) {
      if (i % 64 == 0) bits = generator();
      total += (bits & 1u) ? -diff[i] : diff[i];
      bits >>= 1;
    }
    if (std::fabs(total / static_cast<double>(diff.size())) >= observed) ++hits;
  }
  result.p_value = static_cast<double>(hits + 1) / static_cast<double>(permutations + 1);
  return result;
}

}  // namespace multipos::eval
