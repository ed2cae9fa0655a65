#include "core/objectives/loss.hpp"

#include <ATen/ATen.h>

#include <limits>
#include <stdexcept>

#include "core/objectives/masked_math.hpp"
#include "core/objectives/registry.hpp"

namespace multipos::objectives {
namespace {

using detail::masked_logsumexp;

at::Tensor sum_over(const at::Tensor& x, const at::Tensor& mask) {
  return x.masked_fill(mask.logical_not(), 0).sum(1);
}

at::Tensor lsepair_rows(const at::Tensor& x, const ScoreMasks& masks, const ObjectiveConfig& config,
                        RowNormalisers* normalisers) {
  const auto& positive = masks.positive;
  const auto negative = positive.logical_not();
  const auto negative_term = config.negative_selector == "max" ? detail::masked_max(x, negative)
                                                               : masked_logsumexp(x, negative);
  if (normalisers != nullptr && config.negative_selector != "max")
    normalisers->negatives = negative_term.detach();
  at::Tensor positive_term;  // stands for LSE_P(-s)
  if (config.positive_selector == "min")
    positive_term = -detail::masked_min(x, positive);
  else if (config.positive_selector == "max")
    positive_term = -detail::masked_max(x, positive);
  else
    positive_term = masked_logsumexp(-x, positive);
  // Both terms are -inf on empty sets (never +inf), so their sum is never NaN. softplus(z) as
  // -log_sigmoid(-z): exact everywhere with the exact derivative sigmoid(z) (at::softplus
  // returns z itself above 20, off by 2e-9 from the closed form), 0 with a zero gradient at
  // z = -inf.
  return -at::log_sigmoid(-(negative_term + positive_term));
}

at::Tensor listwise_kl_rows(const at::Tensor& x, const ScoreMasks& masks) {
  const auto group = masks.positive.logical_or(masks.own_negative);
  const auto outside = group.logical_not();
  // Mask the logs to 0 outside the group BEFORE multiplying, so that no 0 * inf appears in the
  // forward pass or in the backward pass.
  const auto log_q = (x - masked_logsumexp(x, group).unsqueeze(1)).masked_fill(outside, 0);
  const auto log_y =
      (masks.grades - masked_logsumexp(masks.grades, group).unsqueeze(1)).masked_fill(outside, 0);
  const auto target = log_y.exp().masked_fill(outside, 0);
  return (target * (log_y - log_q)).sum(1);
}

at::Tensor raw_rows(const at::Tensor& x, const ScoreMasks& masks, const ObjectiveConfig& config,
                    RowNormalisers* normalisers) {
  const LossForm form = objective_traits(config.name).form;
  if (form == LossForm::likelihood || form == LossForm::marginal_likelihood) {
    const auto log_normaliser = x.logsumexp(1);
    if (normalisers != nullptr) normalisers->all = log_normaliser.detach();
    // -sum_P log p_i = m LSE_A(s) - sum_P s_i; with one positive this is -log p_+.
    if (form == LossForm::likelihood) return masks.positive_count * log_normaliser - sum_over(x, masks.positive);
    return log_normaliser - masked_logsumexp(x, masks.positive);
  }
  if (form == LossForm::lse_pair) return lsepair_rows(x, masks, config, normalisers);
  if (form == LossForm::listwise_kl) return listwise_kl_rows(x, masks);
  throw std::invalid_argument("objectives: per_query_loss has no per-row form for '" + config.name + "'");
}

}  // namespace

at::Tensor similarity_matrix(const at::Tensor& queries, const at::Tensor& passages,
                             const ObjectiveConfig& config) {
  if (config.similarity != "cosine") return queries.matmul(passages.t());
  constexpr double kNormFloor = 1e-12;  // a zero vector gets similarity 0, not NaN
  const auto unit_queries = queries / queries.norm(2, {1}, true).clamp_min(kNormFloor);
  const auto unit_passages = passages / passages.norm(2, {1}, true).clamp_min(kNormFloor);
  return unit_queries.matmul(unit_passages.t());
}

at::Tensor score_matrix(const at::Tensor& queries, const at::Tensor& passages,
                        const ObjectiveConfig& config) {
  return similarity_matrix(queries, passages, config) / config.temperature;
}

at::Tensor per_query_loss(const at::Tensor& similarities, const ScoreMasks& masks,
                          const ObjectiveConfig& config, RowNormalisers* normalisers) {
  detail::check_objective_inputs(similarities, masks, config);
  const auto x = similarities / config.temperature;
  auto rows = raw_rows(x, masks, config, normalisers);
  if (config.normalize_by_m) rows = rows / masks.positive_count.clamp_min(1);
  // Dropped rows may hold any finite value above; masked_fill also zeroes their gradient.
  return rows.masked_fill(masks.used_rows.logical_not(), 0);
}

at::Tensor objective_loss(const at::Tensor& similarities, const ScoreMasks& masks,
                          const ObjectiveConfig& config, RowNormalisers* normalisers) {
  if (objective_traits(config.name).form == LossForm::listwise_w2) return listwise_w2_loss(similarities, masks, config);
  const auto rows = per_query_loss(similarities, masks, config, normalisers);
  const double used = detail::used_row_count(masks.used_rows);
  return rows.sum() / (used > 0 ? used : 1.0);
}

at::Tensor listwise_w2_loss(const at::Tensor& similarities, const ScoreMasks& masks,
                            const ObjectiveConfig& config) {
  detail::check_objective_inputs(similarities, masks, config);
  const auto used = masks.used_rows.nonzero().squeeze(1);
  const auto n = static_cast<double>(used.size(0));
  if (n == 0) return (similarities * 0).sum();
  const auto model = (similarities.index_select(0, used) / config.temperature).softmax(1);
  const auto target = masks.grades.index_select(0, used).softmax(1);
  const auto model_mean = model.mean(0);
  const auto target_mean = target.mean(0);
  const auto model_centred = model - model_mean;
  const auto target_centred = target - target_mean;
  const auto mean_term = (model_mean - target_mean).pow(2).sum();
  const auto trace_term = (model_centred.pow(2).sum() + target_centred.pow(2).sum()) / n;
  const auto cross = model_centred.matmul(target_centred.t());
  auto gram = cross.matmul(cross.t()) / (n * n);
  gram = (gram + gram.t()) / 2;  // exactly symmetric for eigvalsh
  const auto eigenvalues = at::linalg_eigvalsh(gram);
  const double eps = similarities.scalar_type() == at::kFloat
                         ? std::numeric_limits<float>::epsilon()
                         : std::numeric_limits<double>::epsilon();
  const auto floor = eigenvalues.detach().max() * (64 * eps);
  const auto kept = eigenvalues.gt(floor);
  // Double masking: sqrt only ever sees kept eigenvalues or 1, so its backward stays finite.
  const auto roots =
      eigenvalues.masked_fill(kept.logical_not(), 1).sqrt().masked_fill(kept.logical_not(), 0);
  return mean_term + trace_term - 2 * roots.sum();
}

}  // namespace multipos::objectives
