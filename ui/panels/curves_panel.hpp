// The chart of the selected runs: one series name (loss, lr, diag/...) picked in a combo, one
// curve per run in the run's color, optional debiased-EMA smoothing with the raw curve faint
// behind, log-y, fit; x axis step, examples seen, epoch or wall time; runs that differ only in
// their seed can be drawn as their mean with a min-max band. Redraws from the view model every
// frame, so it follows live training; derived arrays are cached until the data changes.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ui/models/curve_model.hpp"
#include "ui/plot/line_plot.hpp"
#include "ui/models/run_selection.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

class CurvesPanel {
 public:
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);

  const std::string& series_name() const { return series_name_; }
  void set_series_name(std::string name) { series_name_ = std::move(name); }
  void set_smoothing(float weight) { smoothing_ = weight; }
  float smoothing() const { return smoothing_; }  // the CSV export writes the curves as drawn
  plot::LinePlot& plot() { return plot_; }
  const plot::LinePlot& plot() const { return plot_; }
  XAxis x_axis() const { return x_axis_; }
  void set_x_axis(XAxis axis);
  // Draw seed groups (selected runs that differ only in seed) as mean + min-max band.
  bool seed_bands() const { return seed_bands_; }
  void set_seed_bands(bool on) { seed_bands_ = on; }
  // The bands drawn last frame (for tests): one per seed group among the selected runs.
  const std::vector<BandCurve>& bands() const { return bands_.curves; }
  // The epoch-start lines drawn behind the curves (the plot's markers), for tests.
  const std::vector<plot::LinePlot::Marker>& epoch_markers() const { return plot_.markers(); }

 private:
  // Smoothed copy of one run's series, rebuilt when the data or the smoothing weight changes.
  struct Smoothed {
    std::size_t source_count = 0;
    float weight = -1;
    std::string series_name;
    std::vector<double> values;
    uint64_t generation = 0;  // bumped on every rebuild: the plot's cache key for these values
  };

  // One run's x values under the current axis, rebuilt when its series grows or the axis changes.
  struct MappedX {
    std::size_t source_count = 0;
    XAxis axis = XAxis::step;
    std::string series_name;
    bool ok = false;
    std::vector<double> xs;
    uint64_t generation = 0;
  };
  struct Bands {
    uint64_t revision = 0;
    std::string key;  // axis, series, smoothing and selection the bands were computed for
    std::vector<std::vector<int64_t>> groups;
    std::vector<BandCurve> curves;
    uint64_t generation = 0;
  };

  void draw_controls(const RunViewModel& model, const RunSelection& selection);
  // The run's curves: its series as is; or faint, with its smoothed line over it; or faint behind
  // its seed group's band.
  void add_run_curves(std::vector<plot::PlotSeries>& curves, const RunViewModel& model, int64_t run_id,
                      const SeriesData& series, const MappedX& xs, bool banded);
  void add_band_curves(std::vector<plot::PlotSeries>& curves, const RunViewModel& model) const;
  bool in_band(int64_t run_id) const;
  const Smoothed& smoothed(int64_t run_id, const SeriesData& series);
  const MappedX& mapped_x(const RunViewModel& model, int64_t run_id, const SeriesData& series);
  void update_bands(const RunViewModel& model, const RunSelection& selection);
  // Dashed lines where each epoch starts, when every selected run starts its epochs at the same
  // steps (same training set and batch size); none otherwise.
  void update_epoch_markers(const RunViewModel& model, const RunSelection& selection);

  std::string series_name_ = "loss";
  float smoothing_ = 0.6f;
  plot::LinePlot plot_;
  std::unordered_map<int64_t, Smoothed> smoothed_;
  std::unordered_map<int64_t, MappedX> mapped_;
  XAxis x_axis_ = XAxis::step;
  bool seed_bands_ = false;
  Bands bands_;
  uint64_t markers_revision_ = 0;
  std::string markers_key_;
};

}  // namespace multipos::ui
