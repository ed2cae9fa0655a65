// The probability-mass view: for each selected run, side by side on one y scale, the softmax
// mass on the query's positives stacked by positive rank (or label source, or true vs false)
// over training, the rest of the row's mass up to 1 drawn faint, and P+ and the normalized
// entropy among positives as lines. JointLH spreads mass evenly (four bands of similar height,
// entropy high), SumMargLH piles it on rank 1, LSEPair leaves the split free. UI thread only.
#pragma once

#include <string>
#include <vector>

#include "ui/run_selection.hpp"
#include "ui/run_view_model.hpp"
#include "ui/small_multiples.hpp"
#include "ui/stack_view_state.hpp"

namespace multipos::ui {

class MassViewPanel {
 public:
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);

  StackViewState& state() { return state_; }
  const StackViewState& state() const { return state_; }
  // The charts drawn last frame (for tests).
  const std::vector<StackedChart>& charts() const { return charts_; }
  const SmallMultiples& multiples() const { return multiples_; }

 private:
  StackViewState state_;
  SmallMultiples multiples_;
  std::vector<StackedChart> charts_;
};

}  // namespace multipos::ui
