#include "ui/panels/allocation_panel.hpp"

#include <cstdio>

#include <imgui.h>

namespace multipos::ui {

namespace {

// "P+ 0.91  H 0.45" at the latest step: the figures to compare across runs at a glance.
std::string latest_mass_figures(const StackedChart& chart) {
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

// Share of the gradient on positives at the latest step (the top of the positive bands).
std::string latest_gradient_figures(const StackedChart& chart) {
  double positives = 0;
  bool any = false;
  for (const auto& band : chart.bands) {
    const bool positive = band.kind == BandKind::positive_rank || band.kind == BandKind::positive_rest ||
                          band.kind == BandKind::label_source || band.kind == BandKind::grade ||
                          band.kind == BandKind::true_positive || band.kind == BandKind::false_positive;
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

void help_marker(const char* text) {
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

}  // namespace

void AllocationPanel::draw_mass_controls() {
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
  help_marker("Softmax probability over the whole row, averaged over queries. Positives are ranked by\n"
              "their current score (rank 1 = highest). Lines: P+ (solid) and the entropy of the mass\n"
              "among positives divided by log m (dashed; 1 = even split, 0 = all on one positive).\n"
              "All charts share one scale; hover one to read every band at that step.");
}

void AllocationPanel::draw_gradient_controls() {
  help_marker("a_d = |dL/ds_d| per passage; bands are shares of sum_d a_d per query, averaged over queries.\n"
              "Rank bands split the positives' share by score rank (rank 1 = highest-scored).\n"
              "Probe: no in-batch negatives, only the probe's fixed negatives (counted as hard).\n"
              "JointLH pushes positives with p > 1/m down: dashed line = their count / m.");
}

void AllocationPanel::draw(const RunViewModel& model, const RunSelection& selection) {
  const std::vector<int64_t>& ids = selection.ids();
  const bool mass = kind_ == AllocationKind::probability_mass;
  state_.draw_controls(model, ids);
  if (mass)
    draw_mass_controls();
  else
    draw_gradient_controls();
  charts_ = state_.charts(model, ids, mass ? &build_mass_chart : &build_gradient_chart);
  SmallMultiples::draw_legend(charts_);
  ImGui::Spacing();
  const StackOptions& options = state_.options();
  if (mass)
    multiples_.set_fixed_y(options.show_negatives || options.within_positives, {0.0, 1.0});
  else
    multiples_.set_fixed_y(false);
  const char* empty = mass ? "Select runs in the table to compare how they spread probability mass."
                           : "Select runs in the table to compare where their gradient goes.";
  multiples_.draw(charts_, state_.generation(), mass ? &latest_mass_figures : &latest_gradient_figures,
                  ids.empty() ? empty : "");
}

}  // namespace multipos::ui
