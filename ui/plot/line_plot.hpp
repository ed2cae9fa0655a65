// A line plot drawn with ImGui draw lists: 1-2-5 ticks, several series with a legend, hover
// readout, fit / zoom / pan, log-scale y, and min/max decimation so the draw cost is bounded by
// the plot width in pixels, not by the number of points. Interaction: wheel zooms x and y around
// the cursor (shift: y only, ctrl: x only), drag pans, a right-button drag zooms to the box it
// draws, double-click fits; in the legend, a click
// hides or shows a series (and every series of the same label, e.g. a run's faint raw curve behind
// its smoothed line) and hovering an entry highlights it. UI thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <imgui.h>

#include "ui/plot/plot_math.hpp"

namespace multipos::ui::plot {

// One curve; the plot reads xs/ys during draw() only (the caller keeps them alive for the call).
struct PlotSeries {
  std::string label;
  const double* xs = nullptr;  // ascending
  const double* ys = nullptr;
  std::size_t count = 0;
  ImU32 color = IM_COL32_WHITE;
  float thickness = 1.5f;
  bool in_legend = true;      // false for the faint raw curve drawn behind a smoothed one
  bool hover_readout = true;  // false to leave it out of the cursor tooltip
  // Change it whenever the data behind xs/ys changes in place; with the pointers and count it keys
  // the per-series caches (bounds, decimation) that keep idle frames O(pixels), not O(points).
  uint64_t version = 0;
  // Optional band drawn filled behind the line (e.g. min-max over seeds), parallel to xs. Not
  // decimated: keep such series to a few thousand points.
  const double* band_lo = nullptr;
  const double* band_hi = nullptr;
  ImU32 band_color = 0;
};

class LinePlot {
 public:
  struct Range {
    double min = 0, max = 1;
  };

  // Draws into a rectangle of `size` (0 or negative components: the available region).
  // `empty_message` is shown centered when there is no series to draw.
  void draw(const char* id, const std::vector<PlotSeries>& series, ImVec2 size = ImVec2(0, 0),
            const char* empty_message = "No data");

  // Fit the view to the data at the next draw and keep following new data until the user zooms.
  void fit() { following_ = true; }
  bool following() const { return following_; }
  void set_log_y(bool log_y);
  bool log_y() const { return log_y_; }
  void set_axis_labels(std::string x_label, std::string y_label);
  // Faint vertical lines at these x values (data units) behind the series, each labelled at the
  // top when there is room (e.g. where each epoch starts). Kept until set again.
  struct Marker {
    double x = 0;
    std::string label;
  };
  void set_markers(std::vector<Marker> markers) { markers_ = std::move(markers); }
  const std::vector<Marker>& markers() const { return markers_; }
  // Visible ranges in data units (y in log10 units when log_y()).
  Range x_range() const { return x_; }
  Range y_range() const { return y_; }

  // Series hidden from the legend, by label: not drawn, not read out, not fitted. Kept across
  // frames (a run that leaves and rejoins the selection stays hidden).
  const std::set<std::string>& hidden() const { return hidden_; }
  void set_hidden(const std::string& label, bool hidden);
  // The legend entry under the mouse last frame ("" = none): its series are drawn thicker, the
  // others faded.
  const std::string& highlighted() const { return highlighted_; }
  // The data area of the last frame, in screen coordinates (for tests).
  ImVec2 plot_min() const { return plot_min_; }
  ImVec2 plot_max() const { return plot_max_; }
  // A right-button drag in progress (its corners, screen coordinates).
  bool box_zooming() const { return box_active_; }
  // The legend's entries as drawn last frame, in screen coordinates (for tests and tooltips).
  struct LegendRow {
    std::string label;
    ImVec2 min, max;
  };
  const std::vector<LegendRow>& legend_rows() const { return legend_rows_; }

 private:
  struct Frame;  // geometry of one draw: plot rectangle and data<->pixel mapping
  // What was derived from one series last frame; reused while the series and view are unchanged.
  struct SeriesCache {
    const double* xs = nullptr;
    const double* ys = nullptr;
    std::size_t count = 0;
    uint64_t version = 0;
    bool has_bounds = false, bounds_log_y = false;
    double x_lo = 0, x_hi = 0, y_lo = 0, y_hi = 0;  // y in axis units; y_lo > y_hi: no finite y
    bool has_points = false;
    double view_min = 0, view_max = 0;
    int columns = 0;
    std::vector<PlotPoint> points;  // decimated, in data units
  };

  SeriesCache& cache_for(std::size_t index, const PlotSeries& series);
  const SeriesCache& bounds_of(std::size_t index, const PlotSeries& series);
  const std::vector<PlotPoint>& decimated(std::size_t index, const PlotSeries& series,
                                          const Frame& frame);

  void compute_ticks(Frame& frame, bool log_axis) const;
  void fit_to(const std::vector<PlotSeries>& series);
  void handle_input(const Frame& frame);
  void handle_box_zoom(const Frame& frame);
  void draw_box(ImDrawList& draw) const;
  // Lays the legend out for this frame (legend_rows_, legend_box_); handles its hover and clicks;
  // true when the mouse is over it, so the plot's own pan and zoom leave it alone.
  bool handle_legend(const Frame& frame, const std::vector<PlotSeries>& series);
  bool is_hidden(const PlotSeries& series) const { return hidden_.count(series.label) > 0; }
  ImU32 drawn_color(const PlotSeries& series, ImU32 color) const;
  void draw_grid(const Frame& frame, ImDrawList& draw) const;
  void draw_markers(const Frame& frame, ImDrawList& draw) const;
  void draw_series(const Frame& frame, ImDrawList& draw, const std::vector<PlotSeries>& series);
  void draw_band(const Frame& frame, ImDrawList& draw, const PlotSeries& series) const;
  void draw_hover(const Frame& frame, ImDrawList& draw, const std::vector<PlotSeries>& series) const;
  void draw_legend(ImDrawList& draw, const std::vector<PlotSeries>& series) const;
  double to_plot_y(double value) const;    // data value -> axis units (log10 when log_y)
  double from_plot_y(double value) const;  // axis units -> data value

  Range x_, y_;
  bool following_ = true;
  bool log_y_ = false;
  std::string x_label_ = "step", y_label_;
  std::vector<Marker> markers_;
  std::set<std::string> hidden_;
  std::string highlighted_;
  std::vector<LegendRow> legend_rows_;
  ImVec2 legend_min_, legend_max_;
  ImVec2 plot_min_, plot_max_;
  bool box_active_ = false;
  ImVec2 box_start_, box_end_;
  std::vector<SeriesCache> caches_;  // parallel to the series of the last draw
  std::vector<ImVec2> screen_points_;
};

}  // namespace multipos::ui::plot
