// A stacked-area chart for one small multiple: filled bands (bottom to top) and overlay lines
// over shared x/y ranges given by the caller (so every run's chart uses the same scale), a title,
// 1-2-5 ticks, per-column averaging so the draw cost follows the width in pixels, a cursor shared
// between charts (hovering one chart moves the cursor line in all of them) and a shared x view
// (zooming or panning one chart zooms or pans all of them). UI thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <imgui.h>

namespace multipos::ui::plot {

struct AreaBand {
  const double* lower = nullptr;  // parallel to StackedAreaData::xs
  const double* upper = nullptr;
  ImU32 fill = IM_COL32_WHITE;
  std::string label;
};

struct AreaLine {
  const double* ys = nullptr;
  const double* readout = nullptr;  // printed at the cursor instead of ys when set (raw counts)
  ImU32 color = IM_COL32_WHITE;
  float thickness = 1.5f;
  bool dashed = false;
  std::string label;
};

// What one chart draws; pointers are read during draw() only.
struct StackedAreaData {
  const double* xs = nullptr;  // ascending
  std::size_t count = 0;
  std::vector<AreaBand> bands;
  std::vector<AreaLine> lines;
  uint64_t version = 0;  // change whenever the arrays change: keys the averaged copy
};

struct AxisRange {
  double min = 0, max = 1;
};

// The cursor shared by a set of charts, in x units; NaN when the mouse is over none of them.
struct SharedCursor {
  double x = 0;
  bool active = false;
  bool set_this_frame = false;  // a chart was hovered during this frame
};

// The x view shared by a set of charts, so they zoom and pan together: the wheel over any of them
// zooms x around the cursor, a drag pans, a double-click goes back to the data range.
struct SharedXView {
  bool zoomed = false;  // false: the caller's data range
  AxisRange range;
  // The range to draw with.
  AxisRange or_data(AxisRange data) const { return zoomed ? range : data; }
};

class StackedAreaPlot {
 public:
  // `x` is the range to draw (SharedXView::or_data); with a `view`, this chart's input changes it
  // (from the next frame on, for every chart that shares it).
  void draw(const char* id, const std::string& title, ImU32 title_color, const std::string& subtitle,
            const StackedAreaData& data, AxisRange x, AxisRange y, ImVec2 size, SharedCursor& cursor,
            SharedXView* view = nullptr, const char* empty_message = "No data");

 private:
  struct Geometry;
  const std::vector<std::vector<double>>& averaged(const StackedAreaData& data, AxisRange x, int columns);
  void draw_bands(const Geometry& g, ImDrawList& draw, const StackedAreaData& data) const;
  void draw_lines(const Geometry& g, ImDrawList& draw, const StackedAreaData& data) const;
  void draw_tooltip(const std::string& title, const StackedAreaData& data, double cursor_x) const;
  static void handle_view_input(const Geometry& g, bool over_plot, SharedXView& view);

  // Averaged copy: [0] = x, then lower/upper per band, then one per line.
  std::vector<std::vector<double>> columns_;
  uint64_t cached_version_ = ~uint64_t{0};
  const double* cached_xs_ = nullptr;
  std::size_t cached_count_ = 0;
  double cached_min_ = 0, cached_max_ = 0;
  int cached_columns_ = 0;
};

}  // namespace multipos::ui::plot
