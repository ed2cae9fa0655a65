// The two allocation tabs, one panel parameterised by what it splits. For each selected run, side
// by side on one scale:
// - Probability mass: the softmax mass on the query's positives stacked by positive rank (or label
//   source, grade, or true vs false) over training, the rest of the row's mass up to 1 drawn faint,
//   and P+ and the normalized entropy among positives as lines. JointLH spreads mass evenly (bands
//   of similar height, entropy high), SumMargLH piles it on rank 1, LSEPair leaves the split free.
// - Gradient allocation: how the total |dL/ds| of a query splits between its positives, its own
//   hard negatives and the in-batch negatives; for JointLH the positives it pushes DOWN as lines;
//   the share going to false positives when known. SumMargLH pushes the easy positives, LSEPair
//   the hard ones.
// UI thread only.
#pragma once

#include <vector>

#include "ui/models/run_selection.hpp"
#include "ui/models/run_view_model.hpp"
#include "ui/plot/small_multiples.hpp"
#include "ui/models/stack_view_state.hpp"

namespace multipos::ui {

enum class AllocationKind { probability_mass, gradient };

class AllocationPanel {
 public:
  explicit AllocationPanel(AllocationKind kind) : kind_(kind) {}

  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);

  AllocationKind kind() const { return kind_; }
  StackViewState& state() { return state_; }
  const StackViewState& state() const { return state_; }
  // The charts drawn last frame (for tests).
  const std::vector<StackedChart>& charts() const { return charts_; }
  const SmallMultiples& multiples() const { return multiples_; }

 private:
  void draw_mass_controls();
  void draw_gradient_controls();

  AllocationKind kind_;
  StackViewState state_;
  SmallMultiples multiples_;
  std::vector<StackedChart> charts_;
};

}  // namespace multipos::ui
