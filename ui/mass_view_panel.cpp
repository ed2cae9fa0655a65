#include "ui/mass_view_panel.hpp"

#include <cstdio>

#include <imgui.h>

namespace multipos::ui {

namespace {

// "P+ 0.91  H 0.45" at the latest step: the figures to compare across runs at a glance.
std::string latest_figures(const StackedChart& chart) {
  std::string text;
  char buffer[64];
  for (const auto& line : chart.lines) {
    if (line.values.empty()) continue;
    const char* name = line.kind == LineKind::positive_mass ? "P+" : line.kind == LineKind::entropy ? "H" : nullptr;
    if (!name) continue;
    std::snprintf(buffer, sizeof buffer, "%s%s %.2f", text.empty() ? "" : "   ", name, line.values.back());
    text += buffer;
  }
  return text;
}

}  // namespace

void MassViewPanel::draw(const RunViewModel& model, const RunSelection& selection) {
  const std::vector<int64_t>& ids = selection.ids();
  state_.draw_controls(model, ids);
  ImGui::SameLine(0, ImGui::GetFontSize() * 1.5f);
  StackOptions& options = state_.options();
  ImGui::BeginDisabled(options.within_positives);
  ImGui::Checkbox("Negative mass", &options.show_negatives);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    ImGui::SetTooltip("On: the rest of the row's mass (1 - P+) is drawn faint up to 1 and the scale is 0..1.\n"
                      "Off: only the positives, on a scale shared by all runs fitted to the highest P+.");
  }
  ImGui::SameLine();
  ImGui::Checkbox("Shares within positives", &options.within_positives);
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Divide by P+: the shares pi_r = p_(r) / P+ stacked to 1, so the split among positives\n"
                      "compares across objectives whatever mass they put on positives overall.");
  }
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Softmax probability over the whole row, averaged over queries. Positives are ranked by\n"
                      "their current score (rank 1 = highest). Lines: P+ (solid) and the entropy of the mass\n"
                      "among positives divided by log m (dashed; 1 = even split, 0 = all on one positive).\n"
                      "All charts share one scale; hover one to read every band at that step.");
  }
  charts_ = state_.charts(model, ids, &build_mass_chart);
  SmallMultiples::draw_legend(charts_);
  ImGui::Spacing();
  multiples_.set_fixed_y(options.show_negatives || options.within_positives, {0.0, 1.0});
  multiples_.draw(charts_, state_.generation(), &latest_figures,
                  ids.empty() ? "Select runs in the table to compare how they spread probability mass."
                              : "");
}

}  // namespace multipos::ui
