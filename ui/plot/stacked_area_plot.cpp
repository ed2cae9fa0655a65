#include "ui/plot/stacked_area_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/plot/column_average.hpp"
#include "ui/plot/plot_math.hpp"

namespace multipos::ui::plot {

struct StackedAreaPlot::Geometry {
  ImVec2 plot_min, plot_max;
  AxisRange x, y;
  float width() const { return plot_max.x - plot_min.x; }
  float height() const { return plot_max.y - plot_min.y; }
  float px(double value) const {
    return plot_min.x + static_cast<float>((value - x.min) / (x.max - x.min)) * width();
  }
  float py(double value) const {
    const double clamped = std::clamp(value, y.min - (y.max - y.min), y.max + (y.max - y.min));
    return plot_max.y - static_cast<float>((clamped - y.min) / (y.max - y.min)) * height();
  }
  double data_x(float pixel) const { return x.min + (pixel - plot_min.x) / width() * (x.max - x.min); }
};

namespace {

// Polyline with dashes measured along its length, for lines that must read apart from P+.
void dashed_polyline(ImDrawList& draw, const std::vector<ImVec2>& points, ImU32 color, float thickness) {
  const float dash = 6.0f, gap = 4.0f;
  float phase = 0;  // distance into the current dash+gap period
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    const ImVec2 a = points[i], b = points[i + 1];
    const float length = std::hypot(b.x - a.x, b.y - a.y);
    float at = 0;
    while (at < length) {
      const bool on = phase < dash;
      const float step = std::min(length - at, on ? dash - phase : dash + gap - phase);
      if (on && length > 0) {
        const float t0 = at / length, t1 = (at + step) / length;
        draw.AddLine(ImVec2(a.x + (b.x - a.x) * t0, a.y + (b.y - a.y) * t0),
                     ImVec2(a.x + (b.x - a.x) * t1, a.y + (b.y - a.y) * t1), color, thickness);
      }
      at += step;
      phase = std::fmod(phase + step, dash + gap);
    }
  }
}

std::size_t nearest(const double* xs, std::size_t count, double x) { return nearest_index(xs, count, x); }

}  // namespace

const std::vector<std::vector<double>>& StackedAreaPlot::averaged(const StackedAreaData& data,
                                                                  AxisRange x, int columns) {
  const bool fresh = cached_version_ == data.version && cached_xs_ == data.xs &&
                     cached_count_ == data.count && cached_min_ == x.min && cached_max_ == x.max &&
                     cached_columns_ == columns;
  if (fresh) return columns_;
  std::vector<const double*> ys;
  for (const auto& band : data.bands) {
    ys.push_back(band.lower);
    ys.push_back(band.upper);
  }
  for (const auto& line : data.lines) ys.push_back(line.ys);
  std::vector<double> out_xs;
  std::vector<std::vector<double>> out_ys;
  average_by_column(data.xs, data.count, ys, x.min, x.max, columns, out_xs, out_ys);
  columns_.clear();
  columns_.push_back(std::move(out_xs));
  for (auto& column : out_ys) columns_.push_back(std::move(column));
  cached_version_ = data.version;
  cached_xs_ = data.xs;
  cached_count_ = data.count;
  cached_min_ = x.min;
  cached_max_ = x.max;
  cached_columns_ = columns;
  return columns_;
}

void StackedAreaPlot::draw_bands(const Geometry& g, ImDrawList& draw, const StackedAreaData& data) const {
  const std::vector<double>& xs = columns_[0];
  if (xs.empty()) return;
  // Adjacent trapezoids with anti-aliased edges leave hairline seams between them: fill plain.
  const ImDrawListFlags saved = draw.Flags;
  draw.Flags &= ~ImDrawListFlags_AntiAliasedFill;
  for (std::size_t b = 0; b < data.bands.size(); ++b) {
    const std::vector<double>& lower = columns_[1 + 2 * b];
    const std::vector<double>& upper = columns_[2 + 2 * b];
    const ImU32 fill = data.bands[b].fill;
    if (xs.size() == 1) {  // a single probe step: a thin bar, not an invisible sliver
      const float x = g.px(xs[0]);
      draw.AddRectFilled(ImVec2(x - 3, g.py(upper[0])), ImVec2(x + 3, g.py(lower[0])), fill);
      continue;
    }
    for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
      const float x0 = g.px(xs[i]), x1 = g.px(xs[i + 1]);
      // Vertical sides and lower <= upper: the trapezoid is convex, as AddQuadFilled needs.
      draw.AddQuadFilled(ImVec2(x0, g.py(upper[i])), ImVec2(x1, g.py(upper[i + 1])),
                         ImVec2(x1, g.py(lower[i + 1])), ImVec2(x0, g.py(lower[i])), fill);
    }
  }
  draw.Flags = saved;
  // A thin darker edge on top of each band separates bands of similar lightness.
  std::vector<ImVec2> edge;
  for (std::size_t b = 0; b < data.bands.size(); ++b) {
    const std::vector<double>& upper = columns_[2 + 2 * b];
    edge.clear();
    for (std::size_t i = 0; i < xs.size(); ++i) edge.push_back(ImVec2(g.px(xs[i]), g.py(upper[i])));
    if (edge.size() >= 2) draw.AddPolyline(edge.data(), static_cast<int>(edge.size()), IM_COL32(0, 0, 0, 90), 0, 1.0f);
  }
}

void StackedAreaPlot::draw_lines(const Geometry& g, ImDrawList& draw, const StackedAreaData& data) const {
  const std::vector<double>& xs = columns_[0];
  std::vector<ImVec2> points;
  for (std::size_t l = 0; l < data.lines.size(); ++l) {
    const std::vector<double>& ys = columns_[1 + 2 * data.bands.size() + l];
    const AreaLine& line = data.lines[l];
    points.clear();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (std::isfinite(ys[i])) points.push_back(ImVec2(g.px(xs[i]), g.py(ys[i])));
    }
    if (points.size() == 1) draw.AddCircleFilled(points[0], line.thickness + 1.5f, line.color);
    if (points.size() < 2) continue;
    // A dark halo under each line keeps it readable over any band color.
    draw.AddPolyline(points.data(), static_cast<int>(points.size()), IM_COL32(0, 0, 0, 140), 0,
                     line.thickness + 2.0f);
    if (line.dashed) dashed_polyline(draw, points, line.color, line.thickness);
    else draw.AddPolyline(points.data(), static_cast<int>(points.size()), line.color, 0, line.thickness);
  }
}

void StackedAreaPlot::draw_tooltip(const std::string& title, const StackedAreaData& data,
                                   double cursor_x) const {
  const std::size_t i = nearest(data.xs, data.count, cursor_x);
  ImGui::BeginTooltip();
  ImGui::Text("%s", title.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("step %lld", static_cast<long long>(data.xs[i]));
  const float swatch = ImGui::GetTextLineHeight() * 0.8f;
  auto swatch_item = [&](ImU32 color) {
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float pad = (ImGui::GetTextLineHeight() - swatch) * 0.5f;
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(at.x, at.y + pad),
                                              ImVec2(at.x + swatch, at.y + pad + swatch), color, 2.0f);
    ImGui::Dummy(ImVec2(swatch, ImGui::GetTextLineHeight()));
    ImGui::SameLine();
  };
  if (ImGui::BeginTable("##readout", 2, ImGuiTableFlags_SizingFixedFit)) {
    for (const auto& line : data.lines) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      swatch_item(line.color);
      ImGui::TextUnformatted(line.label.c_str());
      ImGui::TableNextColumn();
      if (line.readout) {
        ImGui::Text("%.3g", line.readout[i]);
        ImGui::SameLine();
        ImGui::TextDisabled("(%.3f drawn)", line.ys[i]);
      } else {
        ImGui::Text("%.3f", line.ys[i]);
      }
    }
    for (std::size_t b = data.bands.size(); b-- > 0;) {  // top band first, as on screen
      const AreaBand& band = data.bands[b];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      swatch_item(band.fill | IM_COL32_A_MASK);
      ImGui::TextUnformatted(band.label.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%.3f", band.upper[i] - band.lower[i]);
    }
    ImGui::EndTable();
  }
  ImGui::EndTooltip();
}

void StackedAreaPlot::draw(const char* id, const std::string& title, ImU32 title_color,
                           const std::string& subtitle, const StackedAreaData& data, AxisRange x,
                           AxisRange y, ImVec2 size, SharedCursor& cursor, SharedXView* view,
                           const char* empty_message) {
  const ImVec2 outer_min = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList& draw = *ImGui::GetWindowDrawList();
  const float line_height = ImGui::GetTextLineHeight();
  const ImU32 text_dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);

  // Title line: the objective in the run's color, figures at the latest step on the right.
  draw.AddText(outer_min, title_color, title.c_str());
  if (!subtitle.empty()) {
    const float width = ImGui::CalcTextSize(subtitle.c_str()).x;
    draw.AddText(ImVec2(outer_min.x + size.x - width - 4, outer_min.y), text_dim, subtitle.c_str());
  }

  Geometry g;
  g.x = x;
  g.y = y;
  const int y_budget = std::max(2, static_cast<int>((size.y - 3 * line_height) / (line_height * 1.8f)));
  const Ticks y_ticks = nice_ticks(y.min, y.max, y_budget);
  float label_width = 0;
  for (double v : y_ticks.values) label_width = std::max(label_width, ImGui::CalcTextSize(format_tick(v, y_ticks.step).c_str()).x);
  g.plot_min = ImVec2(outer_min.x + label_width + 8, outer_min.y + line_height + 6);
  g.plot_max = ImVec2(outer_min.x + size.x - 6, outer_min.y + size.y - line_height - 6);
  if (g.width() < 10 || g.height() < 10) return;

  ImVec4 background = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
  background = ImVec4(background.x * 0.75f, background.y * 0.75f, background.z * 0.75f, 1.0f);
  draw.AddRectFilled(g.plot_min, g.plot_max, ImGui::ColorConvertFloat4ToU32(background));
  if (data.count == 0) {
    const ImVec2 text_size = ImGui::CalcTextSize(empty_message);
    draw.AddText(ImVec2((g.plot_min.x + g.plot_max.x - text_size.x) * 0.5f,
                        (g.plot_min.y + g.plot_max.y - text_size.y) * 0.5f), text_dim, empty_message);
    draw.AddRect(g.plot_min, g.plot_max, ImGui::GetColorU32(ImGuiCol_Border));
    return;
  }

  averaged(data, x, std::max(1, static_cast<int>(g.width())));
  draw.PushClipRect(g.plot_min, g.plot_max, true);
  draw_bands(g, draw, data);
  // Grid over the bands (faint) so heights can be read against the shared scale.
  const ImU32 grid = IM_COL32(255, 255, 255, 28);
  for (double v : y_ticks.values) {
    const float py = std::round(g.py(v)) + 0.5f;
    draw.AddLine(ImVec2(g.plot_min.x, py), ImVec2(g.plot_max.x, py), grid);
  }
  draw_lines(g, draw, data);
  if (cursor.active && cursor.x >= x.min && cursor.x <= x.max) {
    const float cx = std::round(g.px(cursor.x)) + 0.5f;
    draw.AddLine(ImVec2(cx, g.plot_min.y), ImVec2(cx, g.plot_max.y), IM_COL32(255, 255, 255, 140));
  }
  draw.PopClipRect();
  draw.AddRect(g.plot_min, g.plot_max, ImGui::GetColorU32(ImGuiCol_Border));

  for (std::size_t t = 0; t < y_ticks.values.size(); ++t) {
    const std::string label = format_tick(y_ticks.values[t], y_ticks.step);
    const float width = ImGui::CalcTextSize(label.c_str()).x;
    draw.AddText(ImVec2(g.plot_min.x - 5 - width, g.py(y_ticks.values[t]) - line_height * 0.5f), text_dim, label.c_str());
  }
  const int x_budget = std::max(2, static_cast<int>(g.width() / (ImGui::CalcTextSize("00000").x * 1.8f)));
  const Ticks x_ticks = nice_ticks(x.min, x.max, x_budget);
  for (double v : x_ticks.values) {
    const std::string label = format_tick(v, x_ticks.step);
    const float width = ImGui::CalcTextSize(label.c_str()).x;
    const float left = std::clamp(g.px(v) - width * 0.5f, outer_min.x, outer_min.x + size.x - width);
    draw.AddLine(ImVec2(g.px(v), g.plot_max.y), ImVec2(g.px(v), g.plot_max.y + 3), text_dim);
    draw.AddText(ImVec2(left, g.plot_max.y + 3), text_dim, label.c_str());
  }

  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool over_plot = hovered && mouse.x >= g.plot_min.x && mouse.x <= g.plot_max.x &&
                         mouse.y >= g.plot_min.y && mouse.y <= g.plot_max.y;
  if (over_plot) {
    cursor.x = g.data_x(mouse.x);
    cursor.active = true;
    cursor.set_this_frame = true;
    draw_tooltip(title, data, cursor.x);
  }
  if (view) handle_view_input(g, over_plot, *view);
}

void StackedAreaPlot::handle_view_input(const Geometry& g, bool over_plot, SharedXView& view) {
  const ImGuiIO& io = ImGui::GetIO();
  if (over_plot && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    view.zoomed = false;
    return;
  }
  const AxisRange shown = g.x;
  if (over_plot && io.MouseWheel != 0) {
    const double factor = std::pow(0.85, static_cast<double>(io.MouseWheel));
    const double at = g.data_x(io.MousePos.x);
    view.range = {at - (at - shown.min) * factor, at + (shown.max - at) * factor};
    view.zoomed = true;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0.0f) && io.MouseDelta.x != 0) {
    const double dx = io.MouseDelta.x / g.width() * (shown.max - shown.min);
    view.range = {shown.min - dx, shown.max - dx};
    view.zoomed = true;
  }
}

}  // namespace multipos::ui::plot
