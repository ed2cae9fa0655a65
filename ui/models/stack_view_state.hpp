// What the probability-mass and gradient-allocation panels share: the source (probe or in-batch)
// and positive-split controls, and the per-run charts rebuilt only when the data, the selection
// or an option changed. The probe is the default source whenever a selected run has it, since it
// scores every objective on the same positives and negatives. UI thread only.
#pragma once

#include <cstdint>
#include <vector>

#include "ui/models/diagnostic_stacks.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

class StackViewState {
 public:
  using Builder = StackedChart (*)(const RunViewModel&, int64_t, const StackOptions&);

  // Toolbar items: source radio buttons and the split combo (items not in the data are disabled).
  void draw_controls(const RunViewModel& model, const std::vector<int64_t>& run_ids);
  // The charts for these runs, rebuilt when needed; generation() changes on every rebuild.
  const std::vector<StackedChart>& charts(const RunViewModel& model, const std::vector<int64_t>& run_ids,
                                          Builder build);
  uint64_t generation() const { return generation_; }

  // Options as asked for; effective() is what is drawn (falls back when the data lacks a series).
  StackOptions& options() { return options_; }
  const StackOptions& options() const { return options_; }
  StackOptions effective(const RunViewModel& model, const std::vector<int64_t>& run_ids) const;
  // An explicit choice (tests, --tab screenshots, the radio buttons) overrides the default.
  void choose_source(DiagnosticSource source) {
    options_.source = source;
    source_chosen_ = true;
  }

 private:
  StackOptions options_;
  bool source_chosen_ = false;
  bool built_ = false;
  uint64_t built_revision_ = 0, generation_ = 0;
  std::vector<int64_t> built_ids_;
  StackOptions built_options_;
  std::vector<StackedChart> charts_;
};

}  // namespace multipos::ui
