#include "ui/loss_chart_panel.hpp"

#include <algorithm>

#include <imgui.h>

#include "ui/plot/palette.hpp"
#include "ui/series_descriptions.hpp"

namespace multipos::ui {

namespace {

std::string run_label(const RunViewModel& model, int64_t run_id) {
  const store::RunRecord* run = model.find_run(run_id);
  std::string label = "#" + std::to_string(run_id);
  if (run && !run->name.empty()) label += " " + run->name;
  return label;
}

}  // namespace

const LossChartPanel::Smoothed& LossChartPanel::smoothed(int64_t run_id, const SeriesData& series) {
  Smoothed& cache = smoothed_[run_id];
  // Points only ever get added, so the count (with name and weight) tells when to rebuild.
  if (cache.source_count != series.values.size() || cache.weight != smoothing_ ||
      cache.series_name != series_name_) {
    cache.values = plot::ema_debiased(series.values, smoothing_);
    cache.source_count = series.values.size();
    cache.weight = smoothing_;
    cache.series_name = series_name_;
    ++cache.generation;
  }
  return cache;
}

void LossChartPanel::draw_controls(const RunViewModel& model, const RunSelection& selection) {
  std::vector<std::string> names =
      selection.empty() ? model.series_names() : model.series_names(selection.ids());
  if (std::find(names.begin(), names.end(), series_name_) == names.end()) {
    names.insert(names.begin(), series_name_);  // keep the choice visible while data is missing
  }
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Series");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  if (ImGui::BeginCombo("##series", series_name_.c_str())) {
    for (const auto& name : names) {
      if (ImGui::Selectable(name.c_str(), name == series_name_) && name != series_name_) {
        series_name_ = name;
        plot_.fit();
      }
      series_tooltip(name);
    }
    ImGui::EndCombo();
  } else {
    series_tooltip(series_name_);  // the closed combo explains the series it shows
  }
  ImGui::SameLine();
  ImGui::TextUnformatted("Smoothing");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  ImGui::SliderFloat("##smoothing", &smoothing_, 0.0f, 0.99f, "%.2f");
  ImGui::SameLine();
  bool log_y = plot_.log_y();
  if (ImGui::Checkbox("Log y", &log_y)) plot_.set_log_y(log_y);
  ImGui::SameLine();
  if (ImGui::Button(plot_.following() ? "Fit (following)" : "Fit")) plot_.fit();
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Mouse wheel: zoom around the cursor (shift: y only, ctrl: x only)\n"
                      "Drag: pan\nDouble-click or Fit: fit to the data and follow new points\n"
                      "Smoothing: debiased exponential moving average; raw curve drawn faint");
  }
}

void LossChartPanel::draw(const RunViewModel& model, const RunSelection& selection) {
  draw_controls(model, selection);
  std::vector<plot::PlotSeries> curves;
  const bool smooth = smoothing_ > 0.001f;
  for (int64_t run_id : selection.ids()) {
    const SeriesData* series = model.series(run_id, series_name_);
    if (!series || series->steps.empty()) continue;
    plot::PlotSeries raw;
    raw.label = run_label(model, run_id);
    raw.xs = series->steps.data();
    raw.ys = series->values.data();
    raw.count = series->steps.size();
    raw.color = plot::run_color(run_id, smooth ? 0.25f : 1.0f);
    raw.version = model.revision();  // the model may reuse memory after dropping a run
    if (!smooth) {
      curves.push_back(std::move(raw));
      continue;
    }
    raw.in_legend = false;
    plot::PlotSeries line = raw;
    const Smoothed& smooth_values = smoothed(run_id, *series);
    line.ys = smooth_values.values.data();
    line.version = smooth_values.generation;
    line.color = plot::run_color(run_id);
    line.in_legend = true;
    raw.hover_readout = false;  // the readout shows the smoothed value under the cursor line
    raw.thickness = 1.0f;
    curves.push_back(std::move(raw));
    curves.push_back(std::move(line));
  }
  plot_.set_axis_labels("step", series_name_);
  const char* empty = selection.empty() ? "Select runs in the table to plot them"
                                        : "The selected runs have no points of this series yet";
  plot_.draw("##chart", curves, ImVec2(0, 0), empty);
}

}  // namespace multipos::ui
