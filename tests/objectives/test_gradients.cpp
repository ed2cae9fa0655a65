// Closed-form gradients against autograd, autograd against finite differences, and numerical
// stability of every objective on extreme and degenerate score matrices.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <random>

#include "core/objectives/diagnostics.hpp"
#include "core/objectives/gradients.hpp"
#include "core/objectives/loss.hpp"
#include "test_helpers.hpp"

namespace multipos::objectives {
namespace {

using testing::all_finite;
using testing::backward_gradient;
using testing::config_named;

// Every configuration of every objective that the tests sweep.
std::vector<ObjectiveConfig> all_configs() {
  std::vector<ObjectiveConfig> configs;
  for (const auto& name : objective_names()) {
    if (name != "lsepair") {
      configs.push_back(config_named(name));
      continue;
    }
    for (const char* positive : {"all", "min", "max"})
      for (const char* negative : {"all", "max"}) {
        auto config = config_named(name);
        config.positive_selector = positive;
        config.negative_selector = negative;
        configs.push_back(config);
      }
  }
  return configs;
}

std::string describe(const ObjectiveConfig& config) {
  return config.name + " P=" + config.positive_selector + " N=" + config.negative_selector +
         " norm=" + std::to_string(config.normalize_by_m) +
         " tau=" + std::to_string(config.temperature);
}

struct RandomCase {
  ScoreLayout layout;
  at::Tensor scores;
};

// Random B, g and m_i (including rows without positives), random grades and float64 scores.
RandomCase random_case(std::mt19937_64& rng, bool single_positive) {
  const int rows = 1 + static_cast<int>(rng() % 5);
  const int group = 2 + static_cast<int>(rng() % 5);
  const int max_m = single_positive ? 1 : std::min(4, group);
  std::vector<int> counts;
  for (int r = 0; r < rows; ++r) counts.push_back(static_cast<int>(rng() % (max_m + 1)));
  RandomCase result{testing::grouped_layout(counts, group), {}};
  for (auto& grade : result.layout.column_grade)
    if (grade > 0) grade = static_cast<float>(1 + rng() % 3);
  at::manual_seed(rng());
  result.scores = at::randn({rows, rows * group}, at::kDouble) * 3;
  return result;
}

double max_abs_difference(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(Gradients, ClosedFormMatchesAutogradOnRandomBatches) {
  std::mt19937_64 rng(2024);
  int checked = 0;
  for (auto config : all_configs()) {
    if (!has_closed_form_gradient(config.name)) continue;
    for (bool normalize : {false, true})
      for (double tau : {1.0, 0.3}) {
        config.normalize_by_m = normalize;
        config.temperature = tau;
        for (int trial = 0; trial < 12; ++trial) {
          const auto sample = random_case(rng, uses_single_positive(config.name));
          const auto masks = make_score_masks(sample.layout, at::kDouble);
          const auto closed = closed_form_gradient(sample.scores, masks, config);
          const auto autograd = backward_gradient(sample.scores, masks, config);
          ASSERT_LT(max_abs_difference(closed, autograd), 1e-5) << describe(config);
          EXPECT_LT(max_abs_difference(closed, autograd), 1e-12) << describe(config);
          ++checked;
        }
      }
  }
  EXPECT_EQ(checked, (5 + 5) * 2 * 2 * 12);  // 5 plain objectives + 5 extra lsepair selectors
}

TEST(Gradients, ScoreGradientFallsBackToAutogradForListwise) {
  std::mt19937_64 rng(7);
  for (const char* name : {"listwise_w2", "listwise_kl"}) {
    const auto sample = random_case(rng, false);
    const auto masks = make_score_masks(sample.layout, at::kDouble);
    const auto config = config_named(name);
    EXPECT_LT(max_abs_difference(score_gradient(sample.scores, masks, config),
                                 backward_gradient(sample.scores, masks, config)),
              1e-14)
        << name;
  }
}

// Central differences of objective_loss at every entry of a small batch.
at::Tensor finite_difference_gradient(const at::Tensor& scores, const ScoreMasks& masks,
                                      const ObjectiveConfig& config) {
  constexpr double kStep = 1e-6;
  auto gradient = at::zeros_like(scores);
  auto flat = gradient.view({-1});
  for (int64_t k = 0; k < scores.numel(); ++k) {
    auto plus = scores.clone(), minus = scores.clone();
    plus.view({-1})[k] += kStep;
    minus.view({-1})[k] -= kStep;
    flat[k] = (objective_loss(plus, masks, config).item<double>() -
               objective_loss(minus, masks, config).item<double>()) /
              (2 * kStep);
  }
  return gradient;
}

TEST(Gradients, AutogradMatchesFiniteDifferences) {
  std::mt19937_64 rng(99);
  for (auto config : all_configs()) {
    config.temperature = 0.5;
    config.normalize_by_m = config.name != "listwise_w2";
    for (int trial = 0; trial < 3; ++trial) {
      auto sample = random_case(rng, uses_single_positive(config.name));
      const auto masks = make_score_masks(sample.layout, at::kDouble);
      const auto numeric = finite_difference_gradient(sample.scores, masks, config);
      const auto autograd = backward_gradient(sample.scores, masks, config);
      EXPECT_LT(max_abs_difference(numeric, autograd), 1e-6) << describe(config);
    }
  }
}

// The stability cases: float32 scores of magnitude 1e4, rows of equal scores, a row without
// positives, and a batch where no row has a positive.
std::vector<std::pair<std::string, at::Tensor>> extreme_scores(int64_t rows, int64_t columns) {
  at::manual_seed(5);
  const auto signs = at::randint(0, 2, {rows, columns}, at::kFloat) * 2 - 1;
  return {{"magnitude 1e4", signs * 1e4f * (1 + at::rand({rows, columns}))},
          {"all 1e4", at::full({rows, columns}, 1e4f)},
          {"all -1e4", at::full({rows, columns}, -1e4f)},
          {"all zero", at::zeros({rows, columns})}};
}

void expect_stable(const ObjectiveConfig& config, const ScoreLayout& layout) {
  const auto masks = make_score_masks(layout, at::kFloat);
  for (const auto& [label, scores] : extreme_scores(layout.rows, layout.columns)) {
    const auto what = describe(config) + " / " + label;
    const auto loss = objective_loss(scores, masks, config);
    EXPECT_TRUE(all_finite(loss)) << what << " loss " << loss.item<float>();
    EXPECT_TRUE(all_finite(backward_gradient(scores, masks, config))) << what << " autograd";
    const auto gradient = score_gradient(scores, masks, config);
    EXPECT_TRUE(all_finite(gradient)) << what << " score_gradient";
    for (const auto& [name, value] : in_batch_diagnostics(scores, gradient, masks, layout, config))
      EXPECT_TRUE(std::isfinite(value)) << what << " " << name;
  }
}

TEST(Stability, EveryObjectiveStaysFiniteOnExtremeAndEqualScores) {
  for (auto config : all_configs()) {
    const bool single = uses_single_positive(config.name);
    for (double tau : {1.0, 0.05}) {
      config.temperature = tau;
      expect_stable(config,
                    testing::grouped_layout(
                        single ? std::vector<int>{1, 0, 1} : std::vector<int>{3, 0, 1, 4}, 4));
      expect_stable(config, testing::grouped_layout({0, 0}, 3));
    }
  }
}

TEST(Stability, RowsWithoutNegativesOrPositivesGiveZeroLoss) {
  const auto layout = testing::grouped_layout({0, 0}, 3);
  const auto masks = make_score_masks(layout, at::kDouble);
  const auto scores = at::randn({2, 6}, at::kDouble);
  for (const auto& config : all_configs()) {
    EXPECT_EQ(objective_loss(scores, masks, config).item<double>(), 0.0) << describe(config);
    EXPECT_EQ(score_gradient(scores, masks, config).abs().sum().item<double>(), 0.0);
  }
  // A lone row of positives (no negative at all): lsepair has nothing to separate.
  const auto lone = testing::grouped_layout({2}, 2);
  const auto lone_masks = make_score_masks(lone, at::kDouble);
  const auto lone_scores = at::tensor({1.0, -1.0}, at::kDouble).unsqueeze(0);
  EXPECT_EQ(objective_loss(lone_scores, lone_masks, config_named("lsepair")).item<double>(), 0.0);
  EXPECT_TRUE(all_finite(backward_gradient(lone_scores, lone_masks, config_named("lsepair"))));
  EXPECT_TRUE(all_finite(closed_form_gradient(lone_scores, lone_masks, config_named("lsepair"))));
}

TEST(Stability, ListwiseW2GradientIsFiniteWithRepeatedEigenvalues) {
  // Identical rows make every eigenvalue of the cross Gram matrix zero (maximally repeated).
  const auto layout = testing::grouped_layout({1, 1, 1, 1}, 2);
  const auto masks = make_score_masks(layout, at::kDouble);
  const auto row = at::randn({1, 8}, at::kDouble);
  const auto config = config_named("listwise_w2");
  EXPECT_TRUE(all_finite(backward_gradient(row.repeat({4, 1}), masks, config)));
  // Symmetric rows: repeated non-zero eigenvalues.
  const auto eye = at::eye(4, at::kDouble).repeat_interleave(2, 1) * 3;
  EXPECT_TRUE(all_finite(backward_gradient(eye, masks, config)));
}

}  // namespace
}  // namespace multipos::objectives
