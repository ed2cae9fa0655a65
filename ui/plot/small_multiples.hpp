// Small multiples of stacked-area charts, one per run, laid out in a grid over the available
// region with one shared x and y scale, one shared cursor and one shared x view (the wheel over
// any chart zooms all of them, a drag pans all, a double-click goes back to the data range),
// plus the legend row above them
// (swatches with the diagnostic's description as tooltip). Shared by the probability-mass and
// gradient-allocation panels; the colors of band and line kinds live here so both views agree.
// UI thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <imgui.h>

#include "ui/models/diagnostic_stacks.hpp"
#include "ui/plot/stacked_area_plot.hpp"

namespace multipos::ui {

ImU32 band_color(BandKind kind, int index);
ImU32 line_color(LineKind kind);
bool line_dashed(LineKind kind);

class SmallMultiples {
 public:
  using Subtitle = std::function<std::string(const StackedChart&)>;

  // `generation` must change whenever `charts` were rebuilt (it keys the plots' caches).
  void draw(const std::vector<StackedChart>& charts, uint64_t generation, const Subtitle& subtitle,
            const char* empty_message);
  // The legend for the bands and lines of these charts, drawn as one wrapped row of items.
  static void draw_legend(const std::vector<StackedChart>& charts);

  // Fixed scale instead of the shared data range (e.g. the mass view with negatives shown: 0..1).
  void set_fixed_y(bool fixed, ValueRange range = {0, 1}) {
    fixed_y_ = fixed;
    fixed_range_ = range;
  }
  ValueRange last_y_range() const { return y_range_; }
  // The shared x view: zoomed or not, and the range every chart draws when zoomed.
  const plot::SharedXView& x_view() const { return x_view_; }
  int last_columns() const { return columns_; }

 private:
  std::vector<plot::StackedAreaPlot> plots_;
  plot::SharedCursor cursor_;
  plot::SharedXView x_view_;
  bool fixed_y_ = false;
  ValueRange fixed_range_, y_range_;
  int columns_ = 0;
};

}  // namespace multipos::ui
