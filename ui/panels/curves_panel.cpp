#include "ui/panels/curves_panel.hpp"

#include <algorithm>

#include <imgui.h>

#include "ui/plot/palette.hpp"
#include "ui/models/run_table_model.hpp"
#include "ui/models/series_descriptions.hpp"

namespace multipos::ui {

namespace {

std::string run_label(const RunViewModel& model, int64_t run_id) {
  const store::RunRecord* run = model.find_run(run_id);
  std::string label = "#" + std::to_string(run_id);
  if (run && !run->name.empty()) label += " " + run->name;
  return label;
}

std::string band_label(const std::vector<int64_t>& group, const RunViewModel& model) {
  const store::RunRecord* run = model.find_run(group.front());
  std::string label = "mean of " + std::to_string(group.size()) + " seeds";
  if (run && !run->objective.empty()) label = run->objective + " " + label;
  return label;
}

}  // namespace

void CurvesPanel::set_x_axis(XAxis axis) {
  if (axis == x_axis_) return;
  x_axis_ = axis;
  plot_.fit();  // the old x range means nothing on the new axis
}

const CurvesPanel::MappedX& CurvesPanel::mapped_x(const RunViewModel& model, int64_t run_id,
                                                        const SeriesData& series) {
  MappedX& cache = mapped_[run_id];
  if (cache.source_count == series.steps.size() && cache.axis == x_axis_ && cache.series_name == series_name_) {
    return cache;
  }
  XContext context;
  if (const store::RunRecord* run = model.find_run(run_id)) {
    context.examples_per_step = batch_queries(run->config_json);
    context.start_time = run->started_at;
  }
  context.epoch = model.series(run_id, "epoch");
  cache.ok = map_x(series, x_axis_, context, cache.xs);
  cache.source_count = series.steps.size();
  cache.axis = x_axis_;
  cache.series_name = series_name_;
  ++cache.generation;
  return cache;
}

void CurvesPanel::update_bands(const RunViewModel& model, const RunSelection& selection) {
  std::string key = std::string(x_axis_name(x_axis_)) + "|" + series_name_ + "|" + std::to_string(smoothing_);
  for (int64_t id : selection.ids()) key += "|" + std::to_string(id);
  if (bands_.revision == model.revision() && bands_.key == key) return;
  bands_.revision = model.revision();
  bands_.key = key;
  bands_.curves.clear();
  std::vector<const store::RunRecord*> runs;
  for (int64_t id : selection.ids()) {
    if (const store::RunRecord* run = model.find_run(id)) runs.push_back(run);
  }
  bands_.groups = seed_groups(runs);
  const bool smooth = smoothing_ > 0.001f;
  for (const auto& group : bands_.groups) {
    std::vector<CurveRef> curves;
    for (int64_t id : group) {
      const SeriesData* series = model.series(id, series_name_);
      if (!series || series->steps.empty()) continue;
      const MappedX& xs = mapped_x(model, id, *series);
      if (!xs.ok) continue;
      curves.push_back({&xs.xs, smooth ? &smoothed(id, *series).values : &series->values});
    }
    bands_.curves.push_back(seed_band(curves));
  }
  ++bands_.generation;
}

const CurvesPanel::Smoothed& CurvesPanel::smoothed(int64_t run_id, const SeriesData& series) {
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

void CurvesPanel::draw_controls(const RunViewModel& model, const RunSelection& selection) {
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
  ImGui::TextUnformatted("x axis");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  if (ImGui::BeginCombo("##x_axis", x_axis_label(x_axis_))) {
    for (XAxis axis : {XAxis::step, XAxis::examples, XAxis::epoch, XAxis::wall_time}) {
      if (ImGui::Selectable(x_axis_label(axis), axis == x_axis_)) set_x_axis(axis);
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::Checkbox("Seed bands", &seed_bands_);
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Selected runs whose configs differ only in the seed: their mean curve with\n"
                      "the min-max band over seeds (individual runs drawn faint)");
  }
  ImGui::SameLine();
  if (ImGui::Button(plot_.following() ? "Fit (following)" : "Fit")) plot_.fit();
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Mouse wheel: zoom around the cursor (shift: y only, ctrl: x only)\n"
                      "Drag: pan\nDouble-click or Fit: fit to the data and follow new points\n"
                      "Smoothing: debiased exponential moving average; raw curve drawn faint\n"
                      "Dashed lines: where each epoch starts (when the selected runs agree). Training-batch\n"
                      "series can jump there: from then on the batches hold queries the encoder has seen");
  }
}

void CurvesPanel::update_epoch_markers(const RunViewModel& model, const RunSelection& selection) {
  std::string key = x_axis_name(x_axis_);
  for (int64_t id : selection.ids()) key += "|" + std::to_string(id);
  if (markers_revision_ == model.revision() && markers_key_ == key) return;
  markers_revision_ = model.revision();
  markers_key_ = key;
  std::vector<plot::LinePlot::Marker> markers;
  bool have = false, agree = true;
  SeriesData first;
  int64_t first_run = 0;
  for (int64_t run_id : selection.ids()) {
    const SeriesData* epoch = model.series(run_id, "epoch");
    if (!epoch || epoch->steps.empty()) continue;
    SeriesData starts = epoch_starts(*epoch);
    if (!have) {
      first = std::move(starts), first_run = run_id, have = true;
      continue;
    }
    // A run that has not reached an epoch yet agrees on the ones it has.
    const std::size_t common = std::min(first.steps.size(), starts.steps.size());
    if (!std::equal(starts.steps.begin(), starts.steps.begin() + static_cast<std::ptrdiff_t>(common), first.steps.begin()))
      agree = false;
    if (starts.steps.size() > first.steps.size()) first = std::move(starts), first_run = run_id;
  }
  if (have && agree && !first.steps.empty() && first.steps.size() <= 200) {
    std::vector<double> xs;
    if (x_axis_ == XAxis::epoch) {
      xs = first.values;  // epoch k starts at x = k exactly
    } else {
      XContext context;
      if (const store::RunRecord* run = model.find_run(first_run)) {
        context.examples_per_step = batch_queries(run->config_json);
        context.start_time = run->started_at;
      }
      context.epoch = model.series(first_run, "epoch");
      if (!map_x(first, x_axis_, context, xs)) xs.clear();
      // The line goes between the last step of an epoch and the first of the next: half a step
      // back on the step axis, at the examples seen before that step on the examples axis.
      for (double& x : xs) {
        if (x_axis_ == XAxis::step) x -= 0.5;
        if (x_axis_ == XAxis::examples) x -= static_cast<double>(context.examples_per_step);
      }
    }
    for (std::size_t i = 0; i < xs.size(); ++i)
      markers.push_back({xs[i], "epoch " + std::to_string(static_cast<int64_t>(first.values[i]) + 1)});
  }
  plot_.set_markers(std::move(markers));
}

void CurvesPanel::add_run_curves(std::vector<plot::PlotSeries>& curves, const RunViewModel& model, int64_t run_id,
                                 const SeriesData& series, const MappedX& xs, bool banded) {
  const bool smooth = smoothing_ > 0.001f;
  plot::PlotSeries raw;
  raw.label = run_label(model, run_id);
  raw.xs = xs.xs.data();
  raw.ys = series.values.data();
  raw.count = series.steps.size();
  raw.color = plot::run_color(run_id, smooth || banded ? 0.25f : 1.0f);
  raw.version = model.revision() * 1315423911u + xs.generation;  // memory may be reused after a drop
  if (!smooth && !banded) {
    curves.push_back(std::move(raw));
    return;
  }
  raw.in_legend = false;
  raw.hover_readout = false;  // the band's mean, or the smoothed line, gives the readout
  raw.thickness = 1.0f;
  if (banded) {  // the run itself faint behind its group's band (smoothed when smoothing is on)
    if (smooth) {
      const Smoothed& values = smoothed(run_id, series);
      raw.ys = values.values.data();
      raw.version = values.generation * 2654435761u + xs.generation;
    }
    curves.push_back(std::move(raw));
    return;
  }
  plot::PlotSeries line = raw;  // the raw points faint, the smoothed line over them
  const Smoothed& smooth_values = smoothed(run_id, series);
  line.ys = smooth_values.values.data();
  line.version = smooth_values.generation * 2654435761u + xs.generation;
  line.color = plot::run_color(run_id);
  line.in_legend = true;
  line.hover_readout = true;
  line.thickness = plot::PlotSeries{}.thickness;
  curves.push_back(std::move(raw));
  curves.push_back(std::move(line));
}

void CurvesPanel::add_band_curves(std::vector<plot::PlotSeries>& curves, const RunViewModel& model) const {
  for (std::size_t g = 0; g < bands_.curves.size(); ++g) {
    const BandCurve& band = bands_.curves[g];
    if (band.xs.empty()) continue;
    plot::PlotSeries mean;
    mean.label = band_label(bands_.groups[g], model);
    mean.xs = band.xs.data();
    mean.ys = band.mean.data();
    mean.count = band.xs.size();
    mean.band_lo = band.lo.data();
    mean.band_hi = band.hi.data();
    mean.color = plot::run_color(bands_.groups[g].front());
    mean.band_color = plot::run_color(bands_.groups[g].front(), 0.22f);
    mean.thickness = 2.0f;
    mean.version = bands_.generation;
    curves.push_back(std::move(mean));
  }
}

bool CurvesPanel::in_band(int64_t run_id) const {
  if (!seed_bands_) return false;
  for (const auto& group : bands_.groups) {
    if (std::find(group.begin(), group.end(), run_id) != group.end()) return true;
  }
  return false;
}

void CurvesPanel::draw(const RunViewModel& model, const RunSelection& selection) {
  draw_controls(model, selection);
  update_epoch_markers(model, selection);
  if (seed_bands_) update_bands(model, selection);
  std::vector<plot::PlotSeries> curves;
  std::size_t unmapped = 0;
  for (int64_t run_id : selection.ids()) {
    const SeriesData* series = model.series(run_id, series_name_);
    if (!series || series->steps.empty()) continue;
    const MappedX& xs = mapped_x(model, run_id, *series);
    if (!xs.ok) {
      ++unmapped;  // e.g. no batch size for "examples seen": left out, counted under the chart
      continue;
    }
    add_run_curves(curves, model, run_id, *series, xs, in_band(run_id));
  }
  if (seed_bands_) add_band_curves(curves, model);
  plot_.set_axis_labels(x_axis_label(x_axis_), series_name_);
  const char* empty = selection.empty() ? "Select runs in the table to plot them"
                      : unmapped > 0  ? "The selected runs lack what this x axis needs (batch size or epoch series)"
                                      : "The selected runs have no points of this series yet";
  plot_.draw("##chart", curves, ImVec2(0, 0), empty);
}

}  // namespace multipos::ui
