#include "ui/models/stack_view_state.hpp"

#include <imgui.h>

namespace multipos::ui {

namespace {

bool same_options(const StackOptions& a, const StackOptions& b) {
  return a.source == b.source && a.split == b.split && a.show_negatives == b.show_negatives &&
         a.within_positives == b.within_positives && a.sources == b.sources && a.grades == b.grades;
}

const char* split_label(PositiveSplit split) {
  switch (split) {
    case PositiveSplit::by_rank: return "by rank";
    case PositiveSplit::by_label_source: return "by label source";
    case PositiveSplit::by_truth: return "true vs false";
    case PositiveSplit::by_grade: return "by grade";
  }
  return "";
}

}  // namespace

StackOptions StackViewState::effective(const RunViewModel& model, const std::vector<int64_t>& run_ids) const {
  StackOptions options = options_;
  const bool has_probe = any_run_has_series(model, run_ids, "probe/pos_mass");
  if (!source_chosen_) options.source = has_probe ? DiagnosticSource::probe : DiagnosticSource::in_batch;
  const std::string prefix = source_prefix(options.source);
  options.sources = label_sources(model, run_ids, options.source);
  if (options.split == PositiveSplit::by_label_source && options.sources.empty()) options.split = PositiveSplit::by_rank;
  options.grades = relevance_grades(model, run_ids, options.source);
  if (options.split == PositiveSplit::by_grade && options.grades.empty()) options.split = PositiveSplit::by_rank;
  if (options.split == PositiveSplit::by_truth && !any_run_has_series(model, run_ids, prefix + "mass_false_pos")) {
    options.split = PositiveSplit::by_rank;
  }
  return options;
}

void StackViewState::draw_controls(const RunViewModel& model, const std::vector<int64_t>& run_ids) {
  const StackOptions shown = effective(model, run_ids);
  const bool has_probe = any_run_has_series(model, run_ids, "probe/pos_mass");
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Source");
  ImGui::SameLine();
  ImGui::BeginDisabled(!has_probe);
  if (ImGui::RadioButton("Probe", shown.source == DiagnosticSource::probe)) choose_source(DiagnosticSource::probe);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    ImGui::SetTooltip(has_probe ? "Every K steps, a fixed probe set scored with ALL its positives and the\n"
                                  "same negatives for every objective: the fair comparison."
                                : "These runs have no probe series (probe.every = 0 in their config).");
  }
  ImGui::SameLine();
  if (ImGui::RadioButton("In-batch", shown.source == DiagnosticSource::in_batch)) choose_source(DiagnosticSource::in_batch);
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Every step, from the training batch itself. InfoNCE and Rand1LH put one\n"
                      "positive per query in the batch, so their rank 2+ figures are missing here.");
  }
  ImGui::SameLine(0, ImGui::GetFontSize() * 1.5f);
  ImGui::TextUnformatted("Positives");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  const std::string prefix = source_prefix(shown.source);
  const bool has_sources = !shown.sources.empty();
  const bool has_truth = any_run_has_series(model, run_ids, prefix + "mass_false_pos");
  if (ImGui::BeginCombo("##split", split_label(shown.split))) {
    const PositiveSplit splits[] = {PositiveSplit::by_rank, PositiveSplit::by_label_source, PositiveSplit::by_truth,
                                    PositiveSplit::by_grade};
    for (PositiveSplit split : splits) {
      const bool available = split == PositiveSplit::by_rank ||
                             (split == PositiveSplit::by_label_source && has_sources) ||
                             (split == PositiveSplit::by_truth && has_truth) ||
                             (split == PositiveSplit::by_grade && !shown.grades.empty());
      ImGui::BeginDisabled(!available);
      if (ImGui::Selectable(split_label(split), split == shown.split)) options_.split = split;
      ImGui::EndDisabled();
      if (!available && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
        ImGui::SetTooltip(split == PositiveSplit::by_grade
                              ? "The selected runs record no grade split: their dataset has a single grade."
                              : "The selected runs record no such series for this source.");
      }
    }
    ImGui::EndCombo();
  }
}

const std::vector<StackedChart>& StackViewState::charts(const RunViewModel& model,
                                                        const std::vector<int64_t>& run_ids, Builder build) {
  const StackOptions options = effective(model, run_ids);
  if (built_ && built_revision_ == model.revision() && built_ids_ == run_ids && same_options(built_options_, options)) {
    return charts_;
  }
  charts_.clear();
  for (int64_t id : run_ids) charts_.push_back(build(model, id, options));
  built_ = true;
  built_revision_ = model.revision();
  built_ids_ = run_ids;
  built_options_ = options;
  ++generation_;
  return charts_;
}

}  // namespace multipos::ui
