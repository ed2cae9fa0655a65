#include "core/objectives/masks.hpp"

#include <ATen/ATen.h>

#include <limits>
#include <stdexcept>

namespace multipos::objectives {
namespace {

// One pass over the layout, writing straight into tensors of the target dtype.
template <typename T>
ScoreMasks fill_masks(const ScoreLayout& layout, at::ScalarType dtype) {
  const int64_t rows = layout.rows;
  const int64_t columns = layout.columns;
  ScoreMasks masks;
  masks.positive = at::zeros({rows, columns}, at::kBool);
  masks.own_negative = at::zeros({rows, columns}, at::kBool);
  masks.grades = at::zeros({rows, columns}, dtype);
  masks.negative_bias = at::zeros({rows, columns}, dtype);
  masks.positive_count = at::zeros({rows}, dtype);
  bool* positive = masks.positive.data_ptr<bool>();
  bool* own_negative = masks.own_negative.data_ptr<bool>();
  T* grades = masks.grades.data_ptr<T>();
  T* bias = masks.negative_bias.data_ptr<T>();
  T* counts = masks.positive_count.data_ptr<T>();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t offset = r * columns;
    for (int64_t c : layout.positive_columns[r]) {
      positive[offset + c] = true;
      grades[offset + c] = static_cast<T>(layout.column_grade[c]);
      bias[offset + c] = -std::numeric_limits<T>::infinity();
    }
    for (int64_t c : layout.own_negative_columns[r])
      own_negative[offset + c] = !positive[offset + c];
    counts[r] = static_cast<T>(layout.positive_columns[r].size());
  }
  masks.used_rows = masks.positive_count.gt(0);
  return masks;
}

}  // namespace

ScoreMasks make_score_masks(const ScoreLayout& layout, at::ScalarType dtype) {
  layout.check();
  if (dtype == at::kFloat) return fill_masks<float>(layout, dtype);
  if (dtype == at::kDouble) return fill_masks<double>(layout, dtype);
  throw std::invalid_argument("make_score_masks: dtype must be float32 or float64");
}

}  // namespace multipos::objectives
