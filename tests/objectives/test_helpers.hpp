// Hand-built layouts and small tensor helpers shared by the objectives tests.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/objectives/batch_builder.hpp"
#include "core/objectives/config.hpp"
#include "core/objectives/masks.hpp"

namespace multipos::objectives::testing {

// A layout of `rows` groups of `group_size` columns; row i has positive_counts[i] positives at
// the start of its group (grades 1, source 0), the rest of its group are own hard negatives.
ScoreLayout grouped_layout(const std::vector<int>& positive_counts, int group_size);

// The spec's worked example: one row, columns (s1 = ln 2, s2 = 0 | s_n = 0); positive 1 is
// human-labelled, positive 2 llm-labelled and a known false positive; grades (2, 1 | 0).
ScoreLayout worked_example_layout();
at::Tensor worked_example_scores(at::ScalarType dtype = at::kDouble);  // 1 x 3

ObjectiveConfig config_named(const std::string& name);

// dL/dS by autograd of objective_loss, through Tensor::backward (independent of the library's
// autograd_gradient).
at::Tensor backward_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                             const ObjectiveConfig& config);

std::vector<double> to_vector(const at::Tensor& tensor);
bool all_finite(const at::Tensor& tensor);

}  // namespace multipos::objectives::testing
