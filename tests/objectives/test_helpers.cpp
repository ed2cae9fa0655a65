#include "test_helpers.hpp"

#include <ATen/ATen.h>

#include <cmath>

#include "core/objectives/loss.hpp"

namespace multipos::objectives::testing {

ScoreLayout grouped_layout(const std::vector<int>& positive_counts, int group_size) {
  ScoreLayout layout;
  layout.rows = static_cast<int64_t>(positive_counts.size());
  layout.columns = layout.rows * group_size;
  layout.column_grade.assign(layout.columns, 0.0f);
  layout.column_label_source.assign(layout.columns, -1);
  layout.column_is_false_positive.assign(layout.columns, 0);
  layout.label_source_names = {"human", "llm"};
  for (int64_t r = 0; r < layout.rows; ++r) {
    std::vector<int64_t> positives, negatives;
    for (int k = 0; k < group_size; ++k) {
      const int64_t column = r * group_size + k;
      if (k < positive_counts[r]) {
        positives.push_back(column);
        layout.column_grade[column] = 1.0f;
        layout.column_label_source[column] = 0;
      } else {
        negatives.push_back(column);
      }
    }
    layout.query_ids.push_back("q" + std::to_string(r));
    layout.positive_columns.push_back(positives);
    layout.own_negative_columns.push_back(negatives);
  }
  return layout;
}

ScoreLayout worked_example_layout() {
  ScoreLayout layout = grouped_layout({2}, 3);
  layout.column_grade = {2.0f, 1.0f, 0.0f};
  layout.column_label_source = {0, 1, -1};
  layout.column_is_false_positive = {0, 1, 0};
  return layout;
}

at::Tensor worked_example_scores(at::ScalarType dtype) {
  return at::tensor({std::log(2.0), 0.0, 0.0}, at::kDouble).to(dtype).unsqueeze(0);
}

ObjectiveConfig config_named(const std::string& name) {
  ObjectiveConfig config;
  config.name = name;
  return config;
}

at::Tensor backward_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                             const ObjectiveConfig& config) {
  auto leaf = similarities.detach().clone().requires_grad_(true);
  objective_loss(leaf, masks, config).backward();
  return leaf.grad();
}

std::vector<double> to_vector(const at::Tensor& tensor) {
  const auto flat = tensor.detach().to(at::kDouble).contiguous().view({-1});
  return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

bool all_finite(const at::Tensor& tensor) { return tensor.detach().isfinite().all().item<bool>(); }

}  // namespace multipos::objectives::testing
