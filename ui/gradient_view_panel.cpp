#include "ui/gradient_view_panel.hpp"

#include <cstdio>

#include <imgui.h>

namespace multipos::ui {

namespace {

// Share of the gradient on positives at the latest step (the top of the positive bands).
std::string latest_figures(const StackedChart& chart) {
  double positives = 0;
  bool any = false;
  for (const auto& band : chart.bands) {
    const bool positive = band.kind == BandKind::positive_rank || band.kind == BandKind::positive_rest ||
                          band.kind == BandKind::label_source || band.kind == BandKind::grade ||
                          band.kind == BandKind::true_positive ||
                          band.kind == BandKind::false_positive;
    if (positive && !band.upper.empty()) {
      positives = band.upper.back();
      any = true;
    }
  }
  if (!any) return "";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "to positives %.2f", positives);
  return buffer;
}

}  // namespace

void GradientViewPanel::draw(const RunViewModel& model, const RunSelection& selection) {
  const std::vector<int64_t>& ids = selection.ids();
  state_.draw_controls(model, ids);
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("a_d = |dL/ds_d| per passage; bands are shares of sum_d a_d per query, averaged over queries.\n"
                      "Rank bands split the positives' share by score rank (rank 1 = highest-scored).\n"
                      "Probe: no in-batch negatives, only the probe's fixed negatives (counted as hard).\n"
                      "JointLH pushes positives with p > 1/m down: dashed line = their count / m.");
  }
  charts_ = state_.charts(model, ids, &build_gradient_chart);
  SmallMultiples::draw_legend(charts_);
  ImGui::Spacing();
  multiples_.set_fixed_y(false);
  multiples_.draw(charts_, state_.generation(), &latest_figures,
                  ids.empty() ? "Select runs in the table to compare where their gradient goes." : "");
}

}  // namespace multipos::ui
