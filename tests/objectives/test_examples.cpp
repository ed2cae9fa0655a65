// The spec's worked examples (docs/objectives.md) as exact test vectors, for the loss value, the
// autograd gradient and the closed-form gradient.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/objectives/gradients.hpp"
#include "core/objectives/loss.hpp"
#include "core/objectives/probe.hpp"
#include "test_helpers.hpp"

namespace multipos::objectives {
namespace {

using testing::backward_gradient;
using testing::config_named;
using testing::to_vector;
using testing::worked_example_layout;
using testing::worked_example_scores;

constexpr double kTight = 1e-12;

void expect_vector_near(const std::vector<double>& actual, const std::vector<double>& expected,
                        double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance) << what << " entry " << i;
}

// Checks value, autograd gradient and closed-form gradient against the spec.
void expect_example(const ObjectiveConfig& config, const at::Tensor& scores, double loss,
                    const std::vector<double>& gradient) {
  const auto masks = make_score_masks(worked_example_layout(), at::kDouble);
  EXPECT_NEAR(objective_loss(scores, masks, config).item<double>(), loss, kTight) << config.name;
  expect_vector_near(to_vector(backward_gradient(scores, masks, config)), gradient, kTight,
                     config.name + " autograd");
  expect_vector_near(to_vector(closed_form_gradient(scores, masks, config)), gradient, kTight,
                     config.name + " closed form");
}

TEST(WorkedExample, Jointlh) {
  expect_example(config_named("jointlh"), worked_example_scores(), 3 * std::log(2.0),
                 {0.0, -0.5, 0.5});
}

TEST(WorkedExample, JointlhNormalizedByM) {
  auto config = config_named("jointlh");
  config.normalize_by_m = true;
  expect_example(config, worked_example_scores(), 1.5 * std::log(2.0), {0.0, -0.25, 0.25});
}

TEST(WorkedExample, TemperatureScalesTheGradientByOneOverTau) {
  // Similarities tau * s under temperature tau give the same logits, hence the same loss, and
  // dL/d(similarity) = (dL/ds) / tau.
  auto config = config_named("jointlh");
  config.temperature = 0.25;
  expect_example(config, worked_example_scores() * 0.25, 3 * std::log(2.0), {0.0, -2.0, 2.0});
}

TEST(WorkedExample, Summarglh) {
  expect_example(config_named("summarglh"), worked_example_scores(), std::log(4.0 / 3.0),
                 {-1.0 / 6.0, -1.0 / 12.0, 0.25});
}

TEST(WorkedExample, Lsepair) {
  expect_example(config_named("lsepair"), worked_example_scores(), std::log(2.5),
                 {-0.2, -0.4, 0.6});
}

TEST(WorkedExample, LsepairSelectors) {
  // min: the hardest positive (s2 = 0) against LSE_N = 0: softplus(0), sigma = 1/2.
  auto config = config_named("lsepair");
  config.positive_selector = "min";
  expect_example(config, worked_example_scores(), std::log(2.0), {0.0, -0.5, 0.5});
  // max: the easiest positive (s1 = ln 2): softplus(-ln 2) = ln 1.5, sigma = 1/3.
  config.positive_selector = "max";
  expect_example(config, worked_example_scores(), std::log(1.5), {-1.0 / 3.0, 0.0, 1.0 / 3.0});
  // One negative: the max selector on negatives equals LSE_N.
  config.positive_selector = "all";
  config.negative_selector = "max";
  expect_example(config, worked_example_scores(), std::log(2.5), {-0.2, -0.4, 0.6});
}

TEST(WorkedExample, Rand1lhExpectationOverDraws) {
  QueryCandidates query{"q", {{10, 2.0f, 0, false}, {11, 1.0f, 1, true}}, {}};
  const auto probe = make_probe_row(query, {20}, {"human", "llm"});
  const auto passages = probe_query(worked_example_scores(), probe, config_named("rand1lh"));
  ASSERT_EQ(passages.size(), 3u);
  EXPECT_NEAR(passages[0].gradient, -1.0 / 6.0, kTight);
  EXPECT_NEAR(passages[1].gradient, -0.25, kTight);
  // Negative: the average of its p over the two draws, (1/3 + 1/2) / 2.
  EXPECT_NEAR(passages[2].gradient, 5.0 / 12.0, kTight);
  // p is over the whole probe row; ranks by score.
  EXPECT_NEAR(passages[0].probability, 0.5, kTight);
  EXPECT_NEAR(passages[1].probability, 0.25, kTight);
  EXPECT_EQ(passages[0].positive_rank, 1);
  EXPECT_EQ(passages[1].positive_rank, 2);
  EXPECT_EQ(passages[2].positive_rank, 0);
  EXPECT_TRUE(passages[1].is_false_positive);
  EXPECT_EQ(passages[1].label_source, 1);
  EXPECT_EQ(passages[2].passage, 20);
}

TEST(WorkedExample, ProbeOfOtherObjectives) {
  QueryCandidates query{"q", {{10, 2.0f, 0, false}, {11, 1.0f, 1, false}}, {}};
  const auto probe = make_probe_row(query, {20}, {"human", "llm"});
  // infonce always holds the first positive: the second is absent and gets no gradient.
  auto passages = probe_query(worked_example_scores(), probe, config_named("infonce"));
  EXPECT_NEAR(passages[0].gradient, -1.0 / 3.0, kTight);
  EXPECT_NEAR(passages[1].gradient, 0.0, kTight);
  EXPECT_NEAR(passages[2].gradient, 1.0 / 3.0, kTight);
  // Multi-positive objectives: the closed form on the row.
  passages = probe_query(worked_example_scores(), probe, config_named("lsepair"));
  EXPECT_NEAR(passages[0].gradient, -0.2, kTight);
  EXPECT_NEAR(passages[1].gradient, -0.4, kTight);
  EXPECT_NEAR(passages[2].gradient, 0.6, kTight);
  // Graded objectives go through autograd and stay finite.
  passages = probe_query(worked_example_scores(), probe, config_named("listwise_w2"));
  for (const auto& passage : passages) EXPECT_TRUE(std::isfinite(passage.gradient));
  EXPECT_THROW(probe_query(at::zeros({4}, at::kDouble), probe, config_named("jointlh")),
               std::invalid_argument);
}

TEST(WorkedExample, LsepairWithOnePositiveEqualsInfonce) {
  const auto layout = testing::grouped_layout({1, 1, 1}, 4);
  const auto masks = make_score_masks(layout, at::kDouble);
  at::manual_seed(11);
  const auto scores = at::randn({3, 12}, at::kDouble) * 2;
  const auto lsepair = config_named("lsepair");
  const auto infonce = config_named("infonce");
  EXPECT_NEAR(objective_loss(scores, masks, lsepair).item<double>(),
              objective_loss(scores, masks, infonce).item<double>(), kTight);
  expect_vector_near(to_vector(backward_gradient(scores, masks, lsepair)),
                     to_vector(backward_gradient(scores, masks, infonce)), kTight, "autograd");
  expect_vector_near(to_vector(closed_form_gradient(scores, masks, lsepair)),
                     to_vector(closed_form_gradient(scores, masks, infonce)), kTight,
                     "closed form");
}

TEST(WorkedExample, JointlhStationaryPointHasZeroGradientOnPositives) {
  // Three positives with equal scores and negatives so far below that exp underflows to 0 in
  // float64: p_i = 1/m exactly, jointlh's stationary point.
  const auto layout = testing::grouped_layout({3}, 5);
  const auto masks = make_score_masks(layout, at::kDouble);
  const auto scores = at::tensor({0.0, 0.0, 0.0, -800.0, -800.0}, at::kDouble).unsqueeze(0);
  const auto gradient = to_vector(closed_form_gradient(scores, masks, config_named("jointlh")));
  const auto autograd = to_vector(backward_gradient(scores, masks, config_named("jointlh")));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(gradient[i], 0.0, kTight);
    EXPECT_NEAR(autograd[i], 0.0, kTight);
  }
  // Away from it, jointlh pushes the positive above 1/m down and the others up.
  const auto tilted = at::tensor({1.0, 0.0, 0.0, -800.0, -800.0}, at::kDouble).unsqueeze(0);
  const auto pushed = to_vector(closed_form_gradient(tilted, masks, config_named("jointlh")));
  EXPECT_GT(pushed[0], 0.0);
  EXPECT_LT(pushed[1], 0.0);
}

TEST(WorkedExample, ListwiseKlMatchesTheDefinition) {
  // Grades (2, 1 | 0) against logits (ln 2, 0 | 0).
  const double z = std::exp(2.0) + std::exp(1.0) + 1.0;
  const double y[3] = {std::exp(2.0) / z, std::exp(1.0) / z, 1.0 / z};
  const double q[3] = {0.5, 0.25, 0.25};
  double kl = 0;
  for (int i = 0; i < 3; ++i) kl += y[i] * std::log(y[i] / q[i]);
  const auto masks = make_score_masks(worked_example_layout(), at::kDouble);
  const auto scores = worked_example_scores();
  const auto config = config_named("listwise_kl");
  EXPECT_NEAR(objective_loss(scores, masks, config).item<double>(), kl, kTight);
  // dKL/ds = q - y on the group.
  expect_vector_near(to_vector(backward_gradient(scores, masks, config)),
                     {q[0] - y[0], q[1] - y[1], q[2] - y[2]}, kTight, "listwise_kl");
}

// The literal Frechet distance with C x C matrix square roots, for comparison.
double literal_frechet(const at::Tensor& model, const at::Tensor& target) {
  const double n = static_cast<double>(model.size(0));
  const auto sqrt_psd = [](const at::Tensor& matrix) {
    const auto [values, vectors] = at::linalg_eigh(matrix);
    return vectors.matmul(at::diag(values.clamp_min(0).sqrt())).matmul(vectors.t());
  };
  const auto model_centred = model - model.mean(0);
  const auto target_centred = target - target.mean(0);
  const auto model_cov = model_centred.t().matmul(model_centred) / n;
  const auto target_cov = target_centred.t().matmul(target_centred) / n;
  const auto root = sqrt_psd(model_cov);
  const auto inner = root.matmul(target_cov).matmul(root);
  const auto cross = at::linalg_eigvalsh((inner + inner.t()) / 2).clamp_min(0).sqrt().sum();
  return ((model.mean(0) - target.mean(0)).pow(2).sum() + model_cov.trace() + target_cov.trace() -
          2 * cross)
      .item<double>();
}

TEST(ListwiseW2, EqualsTheLiteralFrechetDistance) {
  auto layout = testing::grouped_layout({2, 3, 1, 0, 2}, 4);
  for (size_t c = 0; c < layout.column_grade.size(); ++c)
    if (layout.column_grade[c] > 0) layout.column_grade[c] = static_cast<float>(1 + c % 3);
  const auto masks = make_score_masks(layout, at::kDouble);
  at::manual_seed(3);
  const auto scores = at::randn({5, 20}, at::kDouble);
  auto config = config_named("listwise_w2");
  config.temperature = 0.7;
  const auto used = masks.used_rows.nonzero().squeeze(1);
  const double expected = literal_frechet((scores.index_select(0, used) / 0.7).softmax(1),
                                          masks.grades.index_select(0, used).softmax(1));
  EXPECT_NEAR(objective_loss(scores, masks, config).item<double>(), expected, 1e-7);
  EXPECT_GT(expected, 0.0);
}

TEST(ListwiseW2, ZeroWhenTheModelReproducesTheTargets) {
  auto layout = testing::grouped_layout({2, 1, 3}, 4);
  const auto masks = make_score_masks(layout, at::kDouble);
  const auto loss = objective_loss(masks.grades.clone(), masks, config_named("listwise_w2"));
  EXPECT_NEAR(loss.item<double>(), 0.0, 1e-7);
}

TEST(Objectives, SinglePositiveObjectivesRejectRowsWithSeveralPositives) {
  const auto masks = make_score_masks(worked_example_layout(), at::kDouble);
  EXPECT_THROW(objective_loss(worked_example_scores(), masks, config_named("infonce")),
               std::invalid_argument);
  EXPECT_THROW(closed_form_gradient(worked_example_scores(), masks, config_named("rand1lh")),
               std::invalid_argument);
  EXPECT_THROW(closed_form_gradient(worked_example_scores(), masks, config_named("listwise_kl")),
               std::invalid_argument);
}

TEST(Objectives, SimilarityMatrixDotAndCosine) {
  const auto queries = at::tensor({3.0, 4.0}, at::kDouble).view({1, 2});
  const auto passages = at::tensor({3.0, 4.0, 0.0, 2.0}, at::kDouble).view({2, 2});
  auto config = config_named("jointlh");
  EXPECT_EQ(to_vector(similarity_matrix(queries, passages, config)),
            (std::vector<double>{25.0, 8.0}));
  config.similarity = "cosine";
  config.temperature = 0.5;
  const auto cosine = to_vector(similarity_matrix(queries, passages, config));
  EXPECT_NEAR(cosine[0], 1.0, kTight);
  EXPECT_NEAR(cosine[1], 0.8, kTight);
  const auto logits = to_vector(score_matrix(queries, passages, config));
  EXPECT_NEAR(logits[1], 1.6, kTight);
}

}  // namespace
}  // namespace multipos::objectives
