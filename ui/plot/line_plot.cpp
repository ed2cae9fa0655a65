#include "ui/plot/line_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace multipos::ui::plot {

// Geometry of one draw: where the plot area is and how data units map to pixels.
struct LinePlot::Frame {
  ImVec2 outer_min, outer_max;  // the whole widget
  ImVec2 plot_min, plot_max;    // the data area inside the axes
  Range x, y;
  Ticks x_ticks, y_ticks;
  std::vector<std::string> y_labels;
  float y_label_width = 0;

  float width() const { return plot_max.x - plot_min.x; }
  float height() const { return plot_max.y - plot_min.y; }
  float px_x(double value) const {
    return plot_min.x + static_cast<float>((value - x.min) / (x.max - x.min)) * width();
  }
  float px_y(double value) const {
    return plot_max.y - static_cast<float>((value - y.min) / (y.max - y.min)) * height();
  }
  double data_x(float px) const { return x.min + (px - plot_min.x) / width() * (x.max - x.min); }
  double data_y(float py) const { return y.min + (plot_max.y - py) / height() * (y.max - y.min); }
  bool contains(ImVec2 p) const {
    return p.x >= plot_min.x && p.x <= plot_max.x && p.y >= plot_min.y && p.y <= plot_max.y;
  }
};

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Widens a degenerate range (one point, flat curve) so the mapping stays finite.
LinePlot::Range padded(double lo, double hi, double fraction) {
  if (!(hi > lo)) {
    const double half = std::fabs(lo) > 0 ? std::fabs(lo) * 0.1 : 0.5;
    return {lo - half, hi + half};
  }
  const double pad = (hi - lo) * fraction;
  return {lo - pad, hi + pad};
}

std::string tick_label(double value, double step, bool log_axis) {
  return log_axis ? format_value(std::pow(10.0, value)) : format_tick(value, step);
}

}  // namespace

// Ticks for the current ranges; x ticks need the plot width, so the first call (before the left
// margin is known) only serves to measure the y labels.
void LinePlot::compute_ticks(Frame& frame, bool log_axis) const {
  frame.x = x_;
  frame.y = y_;
  const float line_height = ImGui::GetTextLineHeight();
  const int y_budget = std::max(2, static_cast<int>(frame.height() / (line_height * 2.2f)));
  frame.y_ticks = log_axis ? log_ticks(y_.min, y_.max, y_budget) : nice_ticks(y_.min, y_.max, y_budget);
  frame.y_labels.clear();
  frame.y_label_width = ImGui::CalcTextSize("0.0").x;
  for (double value : frame.y_ticks.values) {
    frame.y_labels.push_back(tick_label(value, frame.y_ticks.step, log_axis));
    frame.y_label_width = std::max(frame.y_label_width, ImGui::CalcTextSize(frame.y_labels.back().c_str()).x);
  }
  const float x_label_room = ImGui::CalcTextSize("000000").x * 1.6f;
  const int x_budget = std::max(2, static_cast<int>(frame.width() / x_label_room));
  frame.x_ticks = nice_ticks(x_.min, x_.max, x_budget);
}

void LinePlot::set_log_y(bool log_y) {
  if (log_y == log_y_) return;
  log_y_ = log_y;
  following_ = true;  // ranges in the other scale mean nothing: refit
}

void LinePlot::set_axis_labels(std::string x_label, std::string y_label) {
  x_label_ = std::move(x_label);
  y_label_ = std::move(y_label);
}

double LinePlot::to_plot_y(double value) const {
  if (!log_y_) return value;
  return value > 0 ? std::log10(value) : kNaN;
}

double LinePlot::from_plot_y(double value) const { return log_y_ ? std::pow(10.0, value) : value; }

LinePlot::SeriesCache& LinePlot::cache_for(std::size_t index, const PlotSeries& series) {
  if (caches_.size() <= index) caches_.resize(index + 1);
  SeriesCache& cache = caches_[index];
  if (cache.xs != series.xs || cache.ys != series.ys || cache.count != series.count ||
      cache.version != series.version) {
    cache = SeriesCache{};
    cache.xs = series.xs;
    cache.ys = series.ys;
    cache.count = series.count;
    cache.version = series.version;
  }
  return cache;
}

const LinePlot::SeriesCache& LinePlot::bounds_of(std::size_t index, const PlotSeries& series) {
  SeriesCache& cache = cache_for(index, series);
  if (cache.has_bounds && cache.bounds_log_y == log_y_) return cache;
  cache.x_lo = series.xs[0];
  cache.x_hi = series.xs[series.count - 1];
  cache.y_lo = std::numeric_limits<double>::infinity();
  cache.y_hi = -cache.y_lo;
  for (std::size_t i = 0; i < series.count; ++i) {
    for (const double* values : {series.ys, series.band_lo, series.band_hi}) {
      if (!values) continue;
      const double y = to_plot_y(values[i]);
      if (!std::isfinite(y)) continue;
      cache.y_lo = std::min(cache.y_lo, y);
      cache.y_hi = std::max(cache.y_hi, y);
    }
  }
  cache.has_bounds = true;
  cache.bounds_log_y = log_y_;
  return cache;
}

void LinePlot::fit_to(const std::vector<PlotSeries>& series) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (series[i].count == 0 || is_hidden(series[i])) continue;
    const SeriesCache& bounds = bounds_of(i, series[i]);
    x_lo = std::min(x_lo, bounds.x_lo);
    x_hi = std::max(x_hi, bounds.x_hi);
    y_lo = std::min(y_lo, bounds.y_lo);
    y_hi = std::max(y_hi, bounds.y_hi);
  }
  if (x_lo > x_hi) return;  // no data: keep the current view
  x_ = padded(x_lo, x_hi, 0.0);
  if (y_lo <= y_hi) y_ = padded(y_lo, y_hi, 0.05);
}

const std::vector<PlotPoint>& LinePlot::decimated(std::size_t index, const PlotSeries& series,
                                                  const Frame& frame) {
  SeriesCache& cache = cache_for(index, series);
  const int columns = std::max(1, static_cast<int>(frame.width()));
  if (!cache.has_points || cache.view_min != frame.x.min || cache.view_max != frame.x.max ||
      cache.columns != columns) {
    decimate_min_max(series.xs, series.ys, series.count, frame.x.min, frame.x.max, columns,
                     cache.points);
    cache.has_points = true;
    cache.view_min = frame.x.min;
    cache.view_max = frame.x.max;
    cache.columns = columns;
  }
  return cache.points;
}

void LinePlot::handle_box_zoom(const Frame& frame) {
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  auto clamped = [&](ImVec2 p) {
    return ImVec2(std::clamp(p.x, frame.plot_min.x, frame.plot_max.x), std::clamp(p.y, frame.plot_min.y, frame.plot_max.y));
  };
  if (!box_active_) {
    if (ImGui::IsItemHovered() && frame.contains(mouse) && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
      box_active_ = true;
      box_start_ = box_end_ = mouse;
    }
    return;
  }
  box_end_ = clamped(mouse);
  if (ImGui::IsMouseDown(ImGuiMouseButton_Right)) return;
  box_active_ = false;  // released: zoom to the box unless it is a click
  const float x0 = std::min(box_start_.x, box_end_.x), x1 = std::max(box_start_.x, box_end_.x);
  const float y0 = std::min(box_start_.y, box_end_.y), y1 = std::max(box_start_.y, box_end_.y);
  if (x1 - x0 < 4 || y1 - y0 < 4) return;
  x_ = {frame.data_x(x0), frame.data_x(x1)};
  y_ = {frame.data_y(y1), frame.data_y(y0)};  // screen y grows downwards
  following_ = false;
}

void LinePlot::draw_box(ImDrawList& draw) const {
  if (!box_active_) return;
  const ImVec2 a(std::min(box_start_.x, box_end_.x), std::min(box_start_.y, box_end_.y));
  const ImVec2 b(std::max(box_start_.x, box_end_.x), std::max(box_start_.y, box_end_.y));
  draw.AddRectFilled(a, b, ImGui::GetColorU32(ImGuiCol_Text, 0.08f));
  draw.AddRect(a, b, ImGui::GetColorU32(ImGuiCol_Text, 0.6f));
}

void LinePlot::handle_input(const Frame& frame) {
  const ImGuiIO& io = ImGui::GetIO();
  handle_box_zoom(frame);
  if (box_active_) return;
  if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    following_ = true;
    return;
  }
  if (ImGui::IsItemHovered() && io.MouseWheel != 0) {
    const double factor = std::pow(0.85, static_cast<double>(io.MouseWheel));
    const double mouse_x = frame.data_x(io.MousePos.x), mouse_y = frame.data_y(io.MousePos.y);
    if (!io.KeyShift) {
      x_ = {mouse_x - (mouse_x - x_.min) * factor, mouse_x + (x_.max - mouse_x) * factor};
    }
    if (!io.KeyCtrl) {
      y_ = {mouse_y - (mouse_y - y_.min) * factor, mouse_y + (y_.max - mouse_y) * factor};
    }
    following_ = false;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f)) {
    const ImVec2 delta = io.MouseDelta;
    if (delta.x != 0 || delta.y != 0) {
      const double dx = delta.x / frame.width() * (x_.max - x_.min);
      const double dy = delta.y / frame.height() * (y_.max - y_.min);
      x_ = {x_.min - dx, x_.max - dx};
      y_ = {y_.min + dy, y_.max + dy};
      following_ = false;
    }
  }
}

void LinePlot::draw_grid(const Frame& frame, ImDrawList& draw) const {
  const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float line_height = ImGui::GetTextLineHeight();
  for (double value : frame.x_ticks.values) {
    const float x = std::round(frame.px_x(value)) + 0.5f;
    draw.AddLine(ImVec2(x, frame.plot_min.y), ImVec2(x, frame.plot_max.y), grid);
    const std::string label = format_tick(value, frame.x_ticks.step);
    const float label_width = ImGui::CalcTextSize(label.c_str()).x;
    const float left = std::clamp(x - label_width * 0.5f, frame.outer_min.x,
                                  frame.outer_max.x - label_width);
    draw.AddText(ImVec2(left, frame.plot_max.y + 4), text, label.c_str());
  }
  for (std::size_t i = 0; i < frame.y_ticks.values.size(); ++i) {
    const float y = std::round(frame.px_y(frame.y_ticks.values[i])) + 0.5f;
    draw.AddLine(ImVec2(frame.plot_min.x, y), ImVec2(frame.plot_max.x, y), grid);
    const char* label = frame.y_labels[i].c_str();
    const float label_width = ImGui::CalcTextSize(label).x;
    draw.AddText(ImVec2(frame.plot_min.x - 6 - label_width, y - line_height * 0.5f), text, label);
  }
  const float x_label_width = ImGui::CalcTextSize(x_label_.c_str()).x;
  draw.AddText(ImVec2(frame.plot_max.x - x_label_width, frame.plot_max.y + 4 + line_height), text,
               x_label_.c_str());
  const std::string y_title = log_y_ ? y_label_ + "  (log scale)" : y_label_;
  draw.AddText(ImVec2(frame.plot_min.x, frame.outer_min.y), text, y_title.c_str());
}

void LinePlot::draw_band(const Frame& frame, ImDrawList& draw, const PlotSeries& s) const {
  // One trapezoid per visible segment (always convex: vertical sides, lo <= hi).
  const std::size_t first = static_cast<std::size_t>(std::lower_bound(s.xs, s.xs + s.count, frame.x.min) - s.xs);
  const std::size_t begin = first > 0 ? first - 1 : 0;
  for (std::size_t i = begin; i + 1 < s.count; ++i) {
    if (s.xs[i] > frame.x.max) break;
    const double lo0 = to_plot_y(s.band_lo[i]), hi0 = to_plot_y(s.band_hi[i]);
    const double lo1 = to_plot_y(s.band_lo[i + 1]), hi1 = to_plot_y(s.band_hi[i + 1]);
    if (!std::isfinite(lo0) || !std::isfinite(hi0) || !std::isfinite(lo1) || !std::isfinite(hi1)) continue;
    auto clamp_y = [&](double y) {
      return std::clamp(frame.px_y(y), frame.plot_min.y - 1e4f, frame.plot_max.y + 1e4f);
    };
    const float x0 = std::clamp(frame.px_x(s.xs[i]), frame.plot_min.x - 1e4f, frame.plot_max.x + 1e4f);
    const float x1 = std::clamp(frame.px_x(s.xs[i + 1]), frame.plot_min.x - 1e4f, frame.plot_max.x + 1e4f);
    draw.AddQuadFilled(ImVec2(x0, clamp_y(hi0)), ImVec2(x1, clamp_y(hi1)), ImVec2(x1, clamp_y(lo1)),
                       ImVec2(x0, clamp_y(lo0)), s.band_color);
  }
}

void LinePlot::draw_series(const Frame& frame, ImDrawList& draw,
                           const std::vector<PlotSeries>& series) {
  for (std::size_t index = 0; index < series.size(); ++index) {
    const PlotSeries& s = series[index];
    if (s.count == 0 || is_hidden(s)) continue;
    if (s.band_lo && s.band_hi) draw_band(frame, draw, s);
    const ImU32 color = drawn_color(s, s.color);
    const float thickness = s.thickness + (!highlighted_.empty() && s.label == highlighted_ ? 1.5f : 0.0f);
    const std::vector<PlotPoint>& points = decimated(index, s, frame);
    screen_points_.clear();
    // Min and max survive log10 (monotonic), so decimating raw values then mapping is exact.
    auto flush = [&] {
      if (screen_points_.size() >= 2) {
        draw.AddPolyline(screen_points_.data(), static_cast<int>(screen_points_.size()), color,
                         ImDrawFlags_None, thickness);
      } else if (screen_points_.size() == 1) {
        draw.AddCircleFilled(screen_points_[0], thickness + 1.0f, color);
      }
      screen_points_.clear();
    };
    for (const PlotPoint& point : points) {
      const double y = to_plot_y(point.y);
      if (!std::isfinite(y)) {
        flush();  // a gap (NaN, or non-positive on a log axis) breaks the line
        continue;
      }
      // Clamp far-away points so float pixel coordinates stay well inside range when zoomed in.
      const float px = std::clamp(frame.px_x(point.x), frame.plot_min.x - 1e4f, frame.plot_max.x + 1e4f);
      const float py = std::clamp(frame.px_y(y), frame.plot_min.y - 1e4f, frame.plot_max.y + 1e4f);
      screen_points_.push_back(ImVec2(px, py));
    }
    flush();
  }
}

void LinePlot::draw_hover(const Frame& frame, ImDrawList& draw,
                          const std::vector<PlotSeries>& series) const {
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (!ImGui::IsItemHovered() || !frame.contains(mouse)) return;
  const double cursor_x = frame.data_x(mouse.x);
  draw.AddLine(ImVec2(mouse.x, frame.plot_min.y), ImVec2(mouse.x, frame.plot_max.y),
               ImGui::GetColorU32(ImGuiCol_Text, 0.35f));
  bool any = false;
  for (const auto& s : series) {
    if (!s.hover_readout || s.count == 0 || is_hidden(s)) continue;
    const std::size_t index = nearest_index(s.xs, s.count, cursor_x);
    const double y = to_plot_y(s.ys[index]);
    if (!std::isfinite(y)) continue;
    const ImVec2 at(frame.px_x(s.xs[index]), frame.px_y(y));
    if (frame.contains(at)) draw.AddCircleFilled(at, 3.5f, s.color);
    if (!any) {
      ImGui::BeginTooltip();
      ImGui::TextDisabled("%s %s", x_label_.c_str(), format_value(cursor_x).c_str());
      any = true;
    }
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.color), "%s", s.label.c_str());
    ImGui::SameLine();
    ImGui::Text("%s  (%s %lld)", format_value(s.ys[index]).c_str(), x_label_.c_str(),
                static_cast<long long>(s.xs[index]));
  }
  if (any) ImGui::EndTooltip();
}

void LinePlot::draw_markers(const Frame& frame, ImDrawList& draw) const {
  const ImU32 line = ImGui::GetColorU32(ImGuiCol_Text, 0.22f), text = ImGui::GetColorU32(ImGuiCol_Text, 0.55f);
  const float dash = 4, gap = 4;
  float last_label_end = -1e30f;
  for (const auto& marker : markers_) {
    if (!(marker.x >= frame.x.min && marker.x <= frame.x.max)) continue;
    const float x = std::floor(frame.px_x(marker.x)) + 0.5f;
    for (float y = frame.plot_min.y; y < frame.plot_max.y; y += dash + gap)
      draw.AddLine(ImVec2(x, y), ImVec2(x, std::min(y + dash, frame.plot_max.y)), line, 1.0f);
    // A label only where it does not run into the previous one.
    const float width = ImGui::CalcTextSize(marker.label.c_str()).x;
    if (!marker.label.empty() && x + 3 > last_label_end + 6 && x + 3 + width < frame.plot_max.x) {
      draw.AddText(ImVec2(x + 3, frame.plot_min.y + 2), text, marker.label.c_str());
      last_label_end = x + 3 + width;
    }
  }
}

void LinePlot::set_hidden(const std::string& label, bool hidden) {
  if (hidden) hidden_.insert(label);
  else hidden_.erase(label);
  following_ = following_ || hidden;  // hiding an outlier is usually to see the rest: refit
}

// Faded while another legend entry is highlighted.
ImU32 LinePlot::drawn_color(const PlotSeries& series, ImU32 color) const {
  if (highlighted_.empty() || series.label == highlighted_) return color;
  const ImU32 alpha = (color >> IM_COL32_A_SHIFT) & 0xFF;
  return (color & ~IM_COL32_A_MASK) | ((alpha * 3 / 10) << IM_COL32_A_SHIFT);
}

bool LinePlot::handle_legend(const Frame& frame, const std::vector<PlotSeries>& series) {
  legend_rows_.clear();
  highlighted_.clear();
  const float line_height = ImGui::GetTextLineHeight(), swatch = line_height * 1.2f, pad = 6;
  float width = 0;
  std::set<std::string> seen;
  for (const auto& s : series) {
    if (!s.in_legend || !seen.insert(s.label).second) continue;
    width = std::max(width, ImGui::CalcTextSize(s.label.c_str()).x);
    legend_rows_.push_back({s.label, {}, {}});
  }
  if (legend_rows_.empty()) return false;
  const float rows = static_cast<float>(legend_rows_.size());
  legend_max_ = ImVec2(frame.plot_max.x - pad, frame.plot_min.y + pad + rows * line_height + 2 * pad);
  legend_min_ = ImVec2(legend_max_.x - width - swatch - 3 * pad, frame.plot_min.y + pad);
  float y = legend_min_.y + pad;
  for (auto& row : legend_rows_) {
    row.min = ImVec2(legend_min_.x, y);
    row.max = ImVec2(legend_max_.x, y + line_height);
    y += line_height;
  }
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool over = ImGui::IsItemHovered() && mouse.x >= legend_min_.x && mouse.x <= legend_max_.x &&
                    mouse.y >= legend_min_.y && mouse.y <= legend_max_.y;
  if (!over) return false;
  for (const auto& row : legend_rows_) {
    if (mouse.y < row.min.y || mouse.y >= row.max.y) continue;
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) set_hidden(row.label, !hidden_.count(row.label));
    if (!hidden_.count(row.label)) highlighted_ = row.label;
    ImGui::SetTooltip(hidden_.count(row.label) ? "Click to show %s" : "Click to hide %s", row.label.c_str());
  }
  return true;
}

void LinePlot::draw_legend(ImDrawList& draw, const std::vector<PlotSeries>& series) const {
  if (legend_rows_.empty()) return;
  const float line_height = ImGui::GetTextLineHeight(), swatch = line_height * 1.2f, pad = 6;
  draw.AddRectFilled(legend_min_, legend_max_, ImGui::GetColorU32(ImGuiCol_PopupBg, 0.85f), 4.0f);
  draw.AddRect(legend_min_, legend_max_, ImGui::GetColorU32(ImGuiCol_Border), 4.0f);
  for (const auto& row : legend_rows_) {
    const auto entry = std::find_if(series.begin(), series.end(),
                                    [&](const PlotSeries& s) { return s.in_legend && s.label == row.label; });
    const bool hidden = hidden_.count(row.label) > 0;
    const float mid = row.min.y + line_height * 0.5f;
    const ImVec2 from(row.min.x + pad, mid), to(row.min.x + pad + swatch, mid);
    if (hidden) draw.AddLine(from, to, ImGui::GetColorU32(ImGuiCol_TextDisabled), 1.0f);
    else draw.AddLine(from, to, entry->color, row.label == highlighted_ ? 5.0f : 3.0f);
    draw.AddText(ImVec2(row.min.x + 2 * pad + swatch, row.min.y),
                 ImGui::GetColorU32(hidden ? ImGuiCol_TextDisabled : ImGuiCol_Text), row.label.c_str());
  }
}

void LinePlot::draw(const char* id, const std::vector<PlotSeries>& series, ImVec2 size,
                    const char* empty_message) {
  const ImVec2 available = ImGui::GetContentRegionAvail();
  if (size.x <= 0) size.x = std::max(available.x, 50.0f);
  if (size.y <= 0) size.y = std::max(available.y, 50.0f);
  Frame frame;
  frame.outer_min = ImGui::GetCursorScreenPos();
  frame.outer_max = ImVec2(frame.outer_min.x + size.x, frame.outer_min.y + size.y);
  ImGui::InvisibleButton(id, size);  // owns hover, wheel and drag for the whole widget

  const bool has_data = std::any_of(series.begin(), series.end(),
                                    [](const PlotSeries& s) { return s.count > 0; });
  if (following_ && has_data) fit_to(series);

  // Margins: labels below x, a title line above, y labels measured to fit on the left.
  const float line_height = ImGui::GetTextLineHeight();
  frame.plot_min.y = frame.outer_min.y + line_height + 6;
  frame.plot_max.y = frame.outer_max.y - 2 * line_height - 8;
  compute_ticks(frame, log_y_);
  frame.plot_min.x = frame.outer_min.x + frame.y_label_width + 10;
  frame.plot_max.x = frame.outer_max.x - 12;
  if (frame.width() < 10 || frame.height() < 10) return;  // too small to draw anything useful
  plot_min_ = frame.plot_min;
  plot_max_ = frame.plot_max;
  if (!handle_legend(frame, series) || box_active_) handle_input(frame);
  compute_ticks(frame, log_y_);  // again: input may have moved the view this frame

  ImDrawList& draw = *ImGui::GetWindowDrawList();
  // Darker than the window so curves stand out; derived from the theme rather than hard-coded.
  ImVec4 background = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
  background = ImVec4(background.x * 0.75f, background.y * 0.75f, background.z * 0.75f, 1.0f);
  draw.AddRectFilled(frame.plot_min, frame.plot_max, ImGui::ColorConvertFloat4ToU32(background));
  if (!has_data) {
    const ImVec2 text_size = ImGui::CalcTextSize(empty_message);
    draw.AddText(ImVec2((frame.plot_min.x + frame.plot_max.x - text_size.x) * 0.5f,
                        (frame.plot_min.y + frame.plot_max.y - text_size.y) * 0.5f),
                 ImGui::GetColorU32(ImGuiCol_TextDisabled), empty_message);
    draw.AddRect(frame.plot_min, frame.plot_max, ImGui::GetColorU32(ImGuiCol_Border));
    return;
  }
  draw_grid(frame, draw);
  draw.PushClipRect(frame.plot_min, frame.plot_max, true);
  draw_markers(frame, draw);
  draw_series(frame, draw, series);
  caches_.resize(series.size());  // forget series that are no longer drawn
  draw_hover(frame, draw, series);
  draw_box(draw);
  draw.PopClipRect();
  draw.AddRect(frame.plot_min, frame.plot_max, ImGui::GetColorU32(ImGuiCol_Border));
  draw_legend(draw, series);
}

}  // namespace multipos::ui::plot
