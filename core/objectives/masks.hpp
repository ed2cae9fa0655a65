// Dense tensor view of a ScoreLayout: the masks and grades every loss, gradient and diagnostic
// reads. Built once per batch (or probe row) and shared by all of them.
#pragma once

#include <ATen/core/Tensor.h>

#include "core/objectives/batch_builder.hpp"

namespace multipos::objectives {

struct ScoreMasks {
  at::Tensor positive;        // bool R x C: column is one of the row's positives
  at::Tensor own_negative;    // bool R x C: column is one of the row's own hard negatives
  at::Tensor grades;          // R x C (floating): the row's positives' grades, 0 elsewhere
  at::Tensor negative_bias;   // R x C (floating): -inf on positives, 0 elsewhere; s + bias keeps N
                              // (an add is several times cheaper than masked_fill on the CPU)
  at::Tensor positive_count;  // R (floating): m_i
  at::Tensor used_rows;       // bool R: m_i > 0, the rows that enter the batch mean
};

// The floating tensors take `dtype` (the dtype of the similarities they will meet).
ScoreMasks make_score_masks(const ScoreLayout& layout, at::ScalarType dtype);

}  // namespace multipos::objectives
