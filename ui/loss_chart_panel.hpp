// The chart of the selected runs: one series name (loss, lr, diag/...) picked in a combo, one
// curve per run in the run's color, optional debiased-EMA smoothing with the raw curve faint
// behind, log-y, fit. Redraws from the view model every frame, so it follows live training.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ui/plot/line_plot.hpp"
#include "ui/run_selection.hpp"
#include "ui/run_view_model.hpp"

namespace multipos::ui {

class LossChartPanel {
 public:
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);

  const std::string& series_name() const { return series_name_; }
  void set_series_name(std::string name) { series_name_ = std::move(name); }
  void set_smoothing(float weight) { smoothing_ = weight; }
  float smoothing() const { return smoothing_; }  // the CSV export writes the curves as drawn
  plot::LinePlot& plot() { return plot_; }

 private:
  // Smoothed copy of one run's series, rebuilt when the data or the smoothing weight changes.
  struct Smoothed {
    std::size_t source_count = 0;
    float weight = -1;
    std::string series_name;
    std::vector<double> values;
    uint64_t generation = 0;  // bumped on every rebuild: the plot's cache key for these values
  };

  void draw_controls(const RunViewModel& model, const RunSelection& selection);
  const Smoothed& smoothed(int64_t run_id, const SeriesData& series);

  std::string series_name_ = "loss";
  float smoothing_ = 0.6f;
  plot::LinePlot plot_;
  std::unordered_map<int64_t, Smoothed> smoothed_;
};

}  // namespace multipos::ui
