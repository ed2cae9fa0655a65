// The gradient-allocation view: for each selected run, side by side on one scale, how the total
// |dL/ds| of a query splits between its positives (by rank, label source or truth), its own hard
// negatives and the in-batch negatives, over training; for JointLH the positives it pushes DOWN
// (count as a share of m, and their mass) as lines; the share going to false positives when
// known. SumMargLH pushes the easy positives, LSEPair the hard ones. UI thread only.
#pragma once

#include <vector>

#include "ui/run_selection.hpp"
#include "ui/run_view_model.hpp"
#include "ui/small_multiples.hpp"
#include "ui/stack_view_state.hpp"

namespace multipos::ui {

class GradientViewPanel {
 public:
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);

  StackViewState& state() { return state_; }
  const StackViewState& state() const { return state_; }
  const std::vector<StackedChart>& charts() const { return charts_; }
  const SmallMultiples& multiples() const { return multiples_; }

 private:
  StackViewState state_;
  SmallMultiples multiples_;
  std::vector<StackedChart> charts_;
};

}  // namespace multipos::ui
