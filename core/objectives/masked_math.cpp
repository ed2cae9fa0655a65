#include "core/objectives/masked_math.hpp"

#include <ATen/ATen.h>

#include <limits>
#include <stdexcept>

namespace multipos::objectives::detail {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

at::Tensor tie_weights(const at::Tensor& x, const at::Tensor& mask, const at::Tensor& extreme) {
  const auto hits = mask.logical_and(x.eq(extreme.unsqueeze(1))).to(x.scalar_type());
  return hits / hits.sum(1, true).clamp_min(1);
}

}  // namespace

at::Tensor masked_logsumexp(const at::Tensor& x, const at::Tensor& mask) {
  const auto outside = mask.logical_not();
  const auto empty = mask.any(1).logical_not();
  // The shift is a constant for autograd: the result does not depend on it.
  const auto shift =
      x.detach().masked_fill(outside, -kInfinity).amax(1, true).masked_fill(empty.unsqueeze(1), 0);
  // masked_fill before exp: masked-out entries become exactly 0 and receive a zero gradient,
  // however large they are.
  const auto total = (x - shift).masked_fill(outside, -kInfinity).exp().sum(1);
  // On empty rows total is 0; replacing it by 1 keeps log's backward away from 0/0.
  const auto safe_log = total.masked_fill(empty, 1).log();
  return (safe_log + shift.squeeze(1)).masked_fill(empty, -kInfinity);
}

at::Tensor masked_softmax(const at::Tensor& x, const at::Tensor& mask) {
  const auto lse = masked_logsumexp(x, mask).unsqueeze(1);
  // On empty rows lse = -inf and x - lse = +inf, but every entry is masked to -inf anyway.
  return (x - lse).masked_fill(mask.logical_not(), -kInfinity).exp();
}

at::Tensor masked_max(const at::Tensor& x, const at::Tensor& mask) {
  return x.masked_fill(mask.logical_not(), -kInfinity).amax(1);
}

at::Tensor masked_min(const at::Tensor& x, const at::Tensor& mask) {
  return x.masked_fill(mask.logical_not(), kInfinity).amin(1);
}

at::Tensor masked_argmax_weights(const at::Tensor& x, const at::Tensor& mask) {
  return tie_weights(x, mask, masked_max(x, mask));
}

at::Tensor masked_argmin_weights(const at::Tensor& x, const at::Tensor& mask) {
  return tie_weights(x, mask, masked_min(x, mask));
}

void check_objective_inputs(const at::Tensor& similarities, const ScoreMasks& masks,
                            const ObjectiveConfig& config) {
  if (similarities.dim() != 2 || !similarities.is_floating_point())
    throw std::invalid_argument("objectives: similarities must be a 2-D floating tensor");
  if (!masks.positive.defined() || masks.positive.sizes() != similarities.sizes())
    throw std::invalid_argument("objectives: masks do not match the similarity matrix shape");
  if (uses_single_positive(config.name) && masks.positive_count.numel() > 0 &&
      masks.positive_count.max().item<double>() > 1.0)
    throw std::invalid_argument("objectives: " + config.name +
                                " needs at most one positive per row; probe rows holding all "
                                "positives go through probe_query");
}

double used_row_count(const at::Tensor& used_rows) {
  return static_cast<double>(used_rows.sum().item<int64_t>());
}

}  // namespace multipos::objectives::detail
