#include "core/objectives/gradients.hpp"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>

#include <stdexcept>

#include "core/objectives/loss.hpp"
#include "core/objectives/masked_math.hpp"
#include "core/objectives/registry.hpp"

namespace multipos::objectives {
namespace {

using detail::masked_softmax;

// lsepair: L = softplus(negative_term + positive_term); dL/ds = sigma (v - u).
at::Tensor lsepair_gradient(const at::Tensor& x, const ScoreMasks& masks,
                            const ObjectiveConfig& config) {
  const auto& positive = masks.positive;
  const auto negative = positive.logical_not();
  at::Tensor negative_term, negative_weights;
  if (config.negative_selector == "max") {
    negative_term = detail::masked_max(x, negative);
    negative_weights = detail::masked_argmax_weights(x, negative);
  } else {
    negative_term = detail::masked_logsumexp(x, negative);
    negative_weights = masked_softmax(x, negative);
  }
  at::Tensor positive_term, positive_weights;
  if (config.positive_selector == "min") {
    positive_term = -detail::masked_min(x, positive);
    positive_weights = detail::masked_argmin_weights(x, positive);
  } else if (config.positive_selector == "max") {
    positive_term = -detail::masked_max(x, positive);
    positive_weights = detail::masked_argmax_weights(x, positive);
  } else {
    positive_term = detail::masked_logsumexp(-x, positive);
    positive_weights = masked_softmax(-x, positive);  // u: softmin within positives
  }
  const auto sigma = (negative_term + positive_term).sigmoid().unsqueeze(1);
  return sigma * (negative_weights - positive_weights);
}

at::Tensor row_gradient(const at::Tensor& x, const ScoreMasks& masks,
                        const ObjectiveConfig& config) {
  const LossForm form = objective_traits(config.name).form;
  const auto positive = masks.positive.to(x.scalar_type());
  if (form == LossForm::likelihood)
    return masks.positive_count.unsqueeze(1) * x.softmax(1) - positive;  // m p - 1[P]
  if (form == LossForm::marginal_likelihood) return x.softmax(1) - masked_softmax(x, masks.positive);  // p - w
  if (form == LossForm::lse_pair) return lsepair_gradient(x, masks, config);
  throw std::invalid_argument("objectives: no closed-form gradient for '" + config.name +
                              "'; use autograd_gradient");
}

}  // namespace

at::Tensor closed_form_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                                const ObjectiveConfig& config) {
  if (!has_closed_form_gradient(config.name))
    throw std::invalid_argument("objectives: no closed-form gradient for '" + config.name +
                                "'; use autograd_gradient");
  detail::check_objective_inputs(similarities, masks, config);
  const at::NoGradGuard no_grad;
  const auto x = similarities.detach() / config.temperature;
  auto gradient = row_gradient(x, masks, config);
  if (config.normalize_by_m) gradient = gradient / masks.positive_count.clamp_min(1).unsqueeze(1);
  const double used = detail::used_row_count(masks.used_rows);
  const double scale = 1.0 / (config.temperature * (used > 0 ? used : 1.0));
  return gradient.masked_fill(masks.used_rows.logical_not().unsqueeze(1), 0) * scale;
}

at::Tensor autograd_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                             const ObjectiveConfig& config) {
  const at::AutoGradMode enable_grad(true);
  const auto leaf = similarities.detach().clone().requires_grad_(true);
  const auto loss = objective_loss(leaf, masks, config);
  const auto gradient = torch::autograd::grad({loss}, {leaf}, /*grad_outputs=*/{},
                                              /*retain_graph=*/false, /*create_graph=*/false,
                                              /*allow_unused=*/true)[0];
  return gradient.defined() ? gradient : at::zeros_like(similarities);
}

at::Tensor score_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                          const ObjectiveConfig& config) {
  return has_closed_form_gradient(config.name) ? closed_form_gradient(similarities, masks, config)
                                               : autograd_gradient(similarities, masks, config);
}

}  // namespace multipos::objectives
