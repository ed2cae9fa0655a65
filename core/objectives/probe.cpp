#include "core/objectives/probe.hpp"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>

#include "core/objectives/gradients.hpp"
#include "core/objectives/masked_math.hpp"
#include "core/objectives/registry.hpp"

namespace multipos::objectives {
namespace {

// Expected gradient over the draw of which single positive the batch holds. `draws` lists the
// positive columns that can be drawn, each with probability 1 / draws.size().
at::Tensor expected_single_positive_gradient(const at::Tensor& x, const ScoreMasks& masks,
                                             const std::vector<int64_t>& draws) {
  const auto negatives = masks.positive.logical_not();
  auto gradient = at::zeros_like(x);
  for (int64_t column : draws) {
    auto visible = negatives.clone();
    visible.index_put_({0, column}, true);
    auto term = detail::masked_softmax(x, visible);  // p^(i): the other positives absent
    term.index_put_({0, column}, term.index({0, column}) - 1.0);
    gradient += term;
  }
  return gradient / static_cast<double>(draws.size());
}

}  // namespace

at::Tensor probe_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                          const ScoreLayout& layout, const ObjectiveConfig& config) {
  if (similarities.dim() != 2 || similarities.size(0) != 1 || layout.rows != 1)
    throw std::invalid_argument("probe_gradient: expects one probe row (1 x C)");
  const auto& positives = layout.positive_columns.front();
  if (positives.empty()) return at::zeros_like(similarities);
  if (!uses_single_positive(config.name)) return score_gradient(similarities, masks, config);
  const at::NoGradGuard no_grad;
  const auto x = similarities.detach() / config.temperature;
  const std::vector<int64_t> draws =
      objective_traits(config.name).positives == PositiveUse::first_ranked ? std::vector<int64_t>{positives.front()}
                                                                            : positives;
  return expected_single_positive_gradient(x, masks, draws) / config.temperature;
}

std::vector<ProbePassage> probe_query(const at::Tensor& similarities, const Batch& probe_row,
                                      const ObjectiveConfig& config) {
  const auto& layout = probe_row.layout;
  const auto row = similarities.dim() == 1 ? similarities.unsqueeze(0) : similarities;
  if (row.dim() != 2 || row.size(0) != 1 || row.size(1) != layout.columns ||
      static_cast<int64_t>(probe_row.passage_ids.size()) != layout.columns)
    throw std::invalid_argument("probe_query: similarities have " + std::to_string(row.numel()) +
                                " entries, the probe row has " + std::to_string(layout.columns) +
                                " passages");
  const at::NoGradGuard no_grad;
  const auto scores = row.detach().to(at::kDouble).contiguous();
  const auto masks = make_score_masks(layout, at::kDouble);
  const auto probability = (scores / config.temperature).softmax(1).contiguous();
  const auto gradient = probe_gradient(scores, masks, layout, config).contiguous();
  const double* score_data = scores.data_ptr<double>();
  std::vector<ProbePassage> passages(static_cast<size_t>(layout.columns));
  for (int64_t c = 0; c < layout.columns; ++c) {
    auto& passage = passages[c];
    passage.passage = probe_row.passage_ids[c];
    passage.score = score_data[c];
    passage.probability = probability.data_ptr<double>()[c];
    passage.gradient = gradient.data_ptr<double>()[c];
  }
  auto ranked = layout.positive_columns.front();
  std::stable_sort(ranked.begin(), ranked.end(),
                   [score_data](int64_t a, int64_t b) { return score_data[a] > score_data[b]; });
  for (size_t rank = 0; rank < ranked.size(); ++rank) {
    auto& passage = passages[ranked[rank]];
    passage.is_positive = true;
    passage.positive_rank = static_cast<int>(rank + 1);
    passage.grade = layout.column_grade[ranked[rank]];
    passage.label_source = layout.column_label_source[ranked[rank]];
    passage.is_false_positive = layout.column_is_false_positive[ranked[rank]] != 0;
  }
  return passages;
}

}  // namespace multipos::objectives
