#include "ui/plot/small_multiples.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "ui/plot/palette.hpp"
#include "ui/models/series_descriptions.hpp"

namespace multipos::ui {

namespace {

ImU32 rgb(uint32_t hex, float alpha = 1.0f) {
  return IM_COL32((hex >> 16) & 0xFF, (hex >> 8) & 0xFF, hex & 0xFF, static_cast<int>(alpha * 255 + 0.5f));
}

// Positive ranks run from a saturated blue (rank 1, the easiest positive) through teal and green
// to a pale yellow-green: ordered and light-to-dark, so "mass piling on rank 1" reads as one
// dominant dark band while an even split reads as four bands of similar height.
constexpr uint32_t kRankRgb[] = {0x3F6FD1, 0x2E9FA8, 0x5DBB63, 0xB9CF52, 0xE3D37A, 0xE8B07A};

// The smallest width of one chart before the grid wraps to another row.
constexpr float kMinChartWidthEm = 19.0f;
constexpr float kMinChartHeightEm = 11.0f;

}  // namespace

ImU32 band_color(BandKind kind, int index) {
  switch (kind) {
    case BandKind::positive_rank: {
      const int count = static_cast<int>(sizeof kRankRgb / sizeof kRankRgb[0]);
      return rgb(kRankRgb[std::clamp(index - 1, 0, count - 1)], 0.95f);
    }
    case BandKind::positive_rest: return rgb(0x8C96A3, 0.85f);
    case BandKind::label_source:
      return index == 0 ? rgb(0x4C9BE8, 0.92f) : index == 1 ? rgb(0xB07AE0, 0.92f)
                                                            : plot::series_color(static_cast<std::size_t>(index) + 3, 0.92f);
    case BandKind::grade: {  // highest grade first: dark green, then lighter toward yellow
      constexpr uint32_t kGradeRgb[] = {0x1B7F4B, 0x4FAF62, 0x9CCB5B, 0xD9D36A, 0xE8B07A};
      const int count = static_cast<int>(sizeof kGradeRgb / sizeof kGradeRgb[0]);
      return rgb(kGradeRgb[std::clamp(index, 0, count - 1)], 0.95f);
    }
    case BandKind::true_positive: return rgb(0x4FAF62, 0.92f);
    case BandKind::false_positive: return rgb(0xF0504F, 0.95f);
    case BandKind::hard_negatives: return rgb(0xF28E2B, 0.85f);
    case BandKind::inbatch_negatives: return rgb(0xC8505A, 0.55f);
    case BandKind::negatives: return rgb(0xE15759, 0.14f);
  }
  return IM_COL32_WHITE;
}

ImU32 line_color(LineKind kind) {
  switch (kind) {
    case LineKind::positive_mass: return rgb(0xFFFFFF);
    case LineKind::entropy: return rgb(0xFFC44D);
    case LineKind::pushed_down_share: return rgb(0xFFFFFF);
    case LineKind::pushed_down_mass: return rgb(0x7FDBFF);
    case LineKind::false_positive: return rgb(0xFF4D4D);
  }
  return IM_COL32_WHITE;
}

bool line_dashed(LineKind kind) { return kind == LineKind::entropy || kind == LineKind::pushed_down_share; }

void SmallMultiples::draw_legend(const std::vector<StackedChart>& charts) {
  // Every band and line that appears in any chart, once, in stacking order (lines first).
  std::vector<std::tuple<bool, int, int, std::string, std::string>> items;  // line?, kind, index, label, series
  std::set<std::tuple<bool, int, int>> seen;
  for (const auto& chart : charts) {
    for (const auto& line : chart.lines) {
      if (seen.insert({true, static_cast<int>(line.kind), 0}).second) {
        items.emplace_back(true, static_cast<int>(line.kind), 0, line.label, line.series_name);
      }
    }
  }
  std::vector<std::tuple<bool, int, int, std::string, std::string>> bands;
  for (const auto& chart : charts) {
    for (const auto& band : chart.bands) {
      if (seen.insert({false, static_cast<int>(band.kind), band.index}).second) {
        bands.emplace_back(false, static_cast<int>(band.kind), band.index, band.label, band.series_name);
      }
    }
  }
  std::stable_sort(bands.begin(), bands.end(), [](const auto& a, const auto& b) {
    return std::make_pair(std::get<1>(a), std::get<2>(a)) < std::make_pair(std::get<1>(b), std::get<2>(b));
  });
  items.insert(items.end(), bands.begin(), bands.end());

  const float line_height = ImGui::GetTextLineHeight(), swatch = line_height * 1.3f;
  const float right_edge = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
  bool first = true;
  for (const auto& [is_line, kind, index, label, series] : items) {
    const float item_width = swatch + 6 + ImGui::CalcTextSize(label.c_str()).x;
    if (!first) {
      ImGui::SameLine(0, line_height);
      if (ImGui::GetCursorScreenPos().x + item_width > right_edge) ImGui::NewLine();
    }
    first = false;
    ImGui::BeginGroup();
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ImDrawList& draw = *ImGui::GetWindowDrawList();
    const float mid = at.y + line_height * 0.5f;
    if (is_line) {
      const ImU32 color = line_color(static_cast<LineKind>(kind));
      if (line_dashed(static_cast<LineKind>(kind))) {
        for (float x = 0; x < swatch; x += 7) draw.AddLine(ImVec2(at.x + x, mid), ImVec2(at.x + std::min(swatch, x + 4), mid), color, 2.0f);
      } else {
        draw.AddLine(ImVec2(at.x, mid), ImVec2(at.x + swatch, mid), color, 2.0f);
      }
    } else {
      const ImU32 fill = band_color(static_cast<BandKind>(kind), index);
      draw.AddRectFilled(ImVec2(at.x, at.y + 2), ImVec2(at.x + swatch, at.y + line_height - 2), fill, 2.0f);
      draw.AddRect(ImVec2(at.x, at.y + 2), ImVec2(at.x + swatch, at.y + line_height - 2), IM_COL32(255, 255, 255, 40), 2.0f);
    }
    ImGui::Dummy(ImVec2(swatch, line_height));
    ImGui::SameLine(0, 6);
    ImGui::TextUnformatted(label.c_str());
    ImGui::EndGroup();
    if (!series.empty()) series_tooltip(series);
  }
}

void SmallMultiples::draw(const std::vector<StackedChart>& charts, uint64_t generation,
                          const Subtitle& subtitle, const char* empty_message) {
  const ValueRange data_x = shared_step_range(charts);
  const plot::AxisRange x = x_view_.or_data({data_x.min, data_x.max});
  y_range_ = fixed_y_ ? fixed_range_ : shared_y_range(charts);
  const ImVec2 available = ImGui::GetContentRegionAvail();
  const int count = static_cast<int>(charts.size());
  if (count == 0) {
    ImGui::TextDisabled("%s", empty_message);
    return;
  }
  const float em = ImGui::GetFontSize(), spacing = ImGui::GetStyle().ItemSpacing.x;
  columns_ = std::clamp(static_cast<int>((available.x + spacing) / (kMinChartWidthEm * em + spacing)), 1, count);
  const int rows = (count + columns_ - 1) / columns_;
  const float width = std::floor((available.x - spacing * static_cast<float>(columns_ - 1)) / static_cast<float>(columns_));
  const float spacing_y = ImGui::GetStyle().ItemSpacing.y;
  const float height = std::max(kMinChartHeightEm * em,
                                std::floor((available.y - spacing_y * static_cast<float>(rows - 1)) / static_cast<float>(rows)) - 1);
  const bool scroll = height * static_cast<float>(rows) + spacing_y * static_cast<float>(rows - 1) > available.y;

  if (plots_.size() != charts.size()) plots_.resize(charts.size());
  const bool cursor_was_set = cursor_.set_this_frame;
  cursor_.set_this_frame = false;
  ImGui::BeginChild("##multiples", ImVec2(0, 0), false, scroll ? 0 : ImGuiWindowFlags_NoScrollbar);
  const float chart_width = scroll ? width - ImGui::GetStyle().ScrollbarSize / static_cast<float>(columns_) : width;
  std::vector<plot::StackedAreaData> data(charts.size());
  for (std::size_t c = 0; c < charts.size(); ++c) {
    const StackedChart& chart = charts[c];
    plot::StackedAreaData& d = data[c];
    d.xs = chart.steps.data();
    d.count = chart.steps.size();
    d.version = generation;
    for (const auto& band : chart.bands) {
      d.bands.push_back({band.lower.data(), band.upper.data(), band_color(band.kind, band.index), band.label});
    }
    for (const auto& line : chart.lines) {
      d.lines.push_back({line.values.data(), line.readout.empty() ? nullptr : line.readout.data(),
                         line_color(line.kind), line.kind == LineKind::positive_mass ? 2.0f : 1.6f,
                         line_dashed(line.kind), line.label});
    }
    if (c % static_cast<std::size_t>(columns_) != 0) ImGui::SameLine();
    ImGui::PushID(static_cast<int>(chart.run_id));
    plots_[c].draw("##plot", chart.title, plot::run_color(chart.run_id), subtitle ? subtitle(chart) : "",
                   d, x, {y_range_.min, y_range_.max}, ImVec2(chart_width, height), cursor_, &x_view_,
                   chart.empty_reason.empty() ? "No data" : chart.empty_reason.c_str());
    ImGui::PopID();
  }
  ImGui::EndChild();
  // The cursor stays where it was for one frame after leaving (no flicker between charts).
  if (!cursor_.set_this_frame && !cursor_was_set) cursor_.active = false;
}

}  // namespace multipos::ui
