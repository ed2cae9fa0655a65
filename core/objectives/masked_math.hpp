// Internal helpers of the objectives library: reductions over a boolean mask that stay finite
// in value and gradient, even for rows whose mask is empty. Not part of the public API.
#pragma once

#include <ATen/core/Tensor.h>

#include "core/objectives/config.hpp"
#include "core/objectives/masks.hpp"

namespace multipos::objectives::detail {

// log sum_{mask} exp(x) per row, max-shifted; -inf on rows whose mask is empty, with a zero
// (never NaN) gradient there and on every masked-out entry.
at::Tensor masked_logsumexp(const at::Tensor& x, const at::Tensor& mask);

// Softmax of x restricted to the mask (zero outside; all-zero rows for empty masks).
// For closed-form gradients; do not differentiate through it.
at::Tensor masked_softmax(const at::Tensor& x, const at::Tensor& mask);

// Per-row max / min over the mask (-inf / +inf on empty rows). Differentiable: ties share the
// gradient equally, as ATen's amax / amin do.
at::Tensor masked_max(const at::Tensor& x, const at::Tensor& mask);
at::Tensor masked_min(const at::Tensor& x, const at::Tensor& mask);

// Indicator of the masked entries equal to the row's masked max (min), divided by the number of
// ties: the closed-form gradient of masked_max (masked_min).
at::Tensor masked_argmax_weights(const at::Tensor& x, const at::Tensor& mask);
at::Tensor masked_argmin_weights(const at::Tensor& x, const at::Tensor& mask);

// Throws std::invalid_argument unless similarities is a 2-D floating tensor shaped like the
// masks, and (infonce / rand1lh) no row holds more than one positive.
void check_objective_inputs(const at::Tensor& similarities, const ScoreMasks& masks,
                            const ObjectiveConfig& config);

// Number of rows with a positive, as a double (synchronises; cheap on the CPU).
double used_row_count(const at::Tensor& used_rows);

}  // namespace multipos::objectives::detail
