#include "ui/panels/compare_panel.hpp"

#include <algorithm>
#include <cstdio>

#include <imgui.h>

#include "ui/plot/palette.hpp"

namespace multipos::ui {

namespace {

// Progress alone (a running run's last step) re-reads evaluations at most this often.
constexpr double kProgressRefreshSeconds = 2.0;

const ImVec4 kBetter(0.42f, 0.80f, 0.46f, 1.0f);
const ImVec4 kWorse(0.96f, 0.42f, 0.42f, 1.0f);

std::string printf_text(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string run_title(const store::RunRecord& run) {
  return "#" + std::to_string(run.id) + (run.name.empty() ? "" : " " + run.name);
}

// ".013", "<.001": p-values are below 1, the leading zero only costs width.
std::string p_label(double p) {
  if (p < 0.001) return "<.001";
  const std::string text = printf_text("%.3f", p);
  return text.rfind("0.", 0) == 0 ? text.substr(1) : text;
}

void color_swatch(int64_t run_id) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float line = ImGui::GetTextLineHeight();
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(at.x, at.y + line * 0.15f), ImVec2(at.x + 4, at.y + line * 0.85f),
                                            plot::run_color(run_id));
  ImGui::Dummy(ImVec2(8, line));
  ImGui::SameLine(0, 0);
}

void cell_tooltip(const MetricCell& cell) {
  if (!cell.has_delta || !ImGui::IsItemHovered()) return;
  ImGui::BeginTooltip();
  ImGui::Text("value %.6f, delta to baseline %+.6f", cell.value, cell.delta);
  ImGui::Text("%zu queries scored by both runs", cell.paired_queries);
  if (cell.tested) {
    ImGui::Text("paired t-test: t = %.3f, df = %.0f, p = %.4g", cell.t_test.t_statistic,
                cell.t_test.degrees_of_freedom, cell.t_test.p_value);
    ImGui::Text("randomization test (%zu sign flips): p = %.4g", cell.randomization.permutations,
                cell.randomization.p_value);
  } else {
    ImGui::TextDisabled("fewer than two paired queries: no test");
  }
  ImGui::Text("wins / ties / losses: %zu / %zu / %zu", cell.win_tie_loss.wins, cell.win_tie_loss.ties,
              cell.win_tie_loss.losses);
  ImGui::TextDisabled(cell.significant ? "significant: both tests below alpha" : "not significant");
  ImGui::EndTooltip();
}

}  // namespace

ComparePanel::ComparePanel(std::string db_path) : cache_(std::move(db_path)) {}

void ComparePanel::update(const RunViewModel& model, const RunSelection& selection, double now_seconds) {
  cache_.sync();
  std::vector<int64_t> selected = selection.ids();
  std::sort(selected.begin(), selected.end());
  candidates_ = baseline_candidates(model.runs(), selected);
  const bool chosen_valid =
      chosen_baseline_ != 0 && std::find(candidates_.begin(), candidates_.end(), chosen_baseline_) != candidates_.end();
  baseline_ = chosen_valid ? chosen_baseline_ : default_baseline(model.runs(), selected);

  CompareQuery query;
  std::string key = "b" + std::to_string(baseline_) + (diff_includes_baselines_ ? "+" : "-");
  std::string steps;
  for (int64_t run_id : candidates_) {
    const store::RunRecord* run = model.find_run(run_id);
    const bool selected_run = std::binary_search(selected.begin(), selected.end(), run_id);
    // Unselected candidates (the group's bm25 runs) only appear as the baseline row.
    if (!selected_run && run_id != baseline_) continue;
    query.runs.push_back(*run);
    const bool in_diff = selected_run && (diff_includes_baselines_ || run->objective != "bm25");
    if (in_diff) query.diff_runs.push_back(*run);
    key += " " + std::to_string(run_id) + ":" + run->status + (in_diff ? "d" : "");
    steps += " " + std::to_string(run->last_step);
  }
  query.baseline_run_id = baseline_;
  const bool changed = key != sent_key_;
  const bool progressed = steps != sent_steps_ && now_seconds - sent_at_ >= kProgressRefreshSeconds;
  if (!changed && !progressed) return;
  sent_key_ = std::move(key);
  sent_steps_ = std::move(steps);
  sent_at_ = now_seconds;
  cache_.request(std::move(query));
}

void ComparePanel::export_table(bool markdown) {
  const CompareResult* current = cache_.result();
  if (!current || current->table.rows.empty()) return;
  exports_.push_back(markdown ? ExportFile{"compare", "md", compare_table_markdown(current->table)}
                              : ExportFile{"compare", "csv", compare_table_csv(current->table)});
}

void ComparePanel::draw_toolbar(const RunViewModel& model) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Baseline");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
  const store::RunRecord* current = model.find_run(baseline_);
  const std::string preview = current ? run_title(*current) : std::string("(none)");
  if (ImGui::BeginCombo("##baseline", preview.c_str())) {
    for (int64_t run_id : candidates_) {
      const store::RunRecord* run = model.find_run(run_id);
      if (run && ImGui::Selectable(run_title(*run).c_str(), run_id == baseline_)) chosen_baseline_ = run_id;
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Deltas and tests are against this run. Default: the group's BM25 run, else the first run.");
  }
  const CompareResult* result = cache_.result();
  const bool can_export = result && !result->table.rows.empty();
  ImGui::SameLine();
  ImGui::BeginDisabled(!can_export);
  if (ImGui::Button("Export CSV")) export_table(false);
  ImGui::SameLine();
  if (ImGui::Button("Export Markdown")) export_table(true);
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  const double alpha = result ? result->table.options.alpha : CompareOptions{}.alpha;
  ImGui::TextDisabled("Tinted: paired t-test and randomization test both p < %.2g  |  p: t-test / randomization"
                      "  |  W/T/L: queries better / equal / worse than the baseline",
                      alpha);
  if (cache_.busy()) {
    ImGui::SameLine();
    ImGui::TextDisabled("(computing...)");
  }
}

void ComparePanel::draw_metric_cell(const MetricCell& cell, bool is_baseline) const {
  if (!cell.present) {
    ImGui::TextDisabled("-");
    ImGui::TextDisabled(" ");
    return;
  }
  if (cell.significant) {
    const ImVec4 tint = cell.delta >= 0 ? kBetter : kWorse;
    ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, ImGui::GetColorU32(ImVec4(tint.x, tint.y, tint.z, 0.16f)));
  }
  ImGui::Text("%.4f", cell.value);
  if (cell.has_delta) {
    ImGui::SameLine();
    const std::string delta = printf_text("%+.4f", cell.delta) + (cell.significant ? " *" : "");
    if (cell.significant) ImGui::TextColored(cell.delta >= 0 ? kBetter : kWorse, "%s", delta.c_str());
    else ImGui::TextDisabled("%s", delta.c_str());
  }
  if (is_baseline) {
    ImGui::TextDisabled("baseline");
  } else if (cell.tested) {
    ImGui::TextDisabled("p %s / %s   W/T/L %zu/%zu/%zu", p_label(cell.t_test.p_value).c_str(),
                        p_label(cell.randomization.p_value).c_str(), cell.win_tie_loss.wins,
                        cell.win_tie_loss.ties, cell.win_tie_loss.losses);
  } else {
    ImGui::TextDisabled(cell.has_delta ? "no paired queries" : " ");
  }
}

void ComparePanel::draw_table(const CompareResult& result, float height) {
  const CompareTable& table = result.table;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_BordersOuter |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  const int columns = 3 + static_cast<int>(table.metrics.size());
  if (!ImGui::BeginTable("compare", columns, flags, ImVec2(0, height))) return;
  const float font = ImGui::GetFontSize();
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("Run", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("Objective", ImGuiTableColumnFlags_WidthFixed, font * 7);
  ImGui::TableSetupColumn("Split, step", ImGuiTableColumnFlags_WidthFixed, font * 6);
  for (const auto& metric : table.metrics) {
    ImGui::TableSetupColumn(metric_label(metric).c_str(), ImGuiTableColumnFlags_WidthFixed, font * 15.5f);
  }
  // Headers drawn one by one so each metric can explain itself on hover.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int column = 0; column < columns; ++column) {
    ImGui::TableSetColumnIndex(column);
    ImGui::TableHeader(ImGui::TableGetColumnName(column));
    if (column >= 3 && ImGui::IsItemHovered()) {
      const std::string& metric = table.metrics[static_cast<std::size_t>(column - 3)];
      ImGui::SetTooltip("%s (trec_eval name) at the run's last evaluated step.\n"
                        "Line 1: mean over the split's queries, delta to the baseline (* significant).\n"
                        "Line 2: p of the paired t-test / randomization test; wins/ties/losses per query.",
                        metric.c_str());
    }
  }
  for (const CompareRow& row : table.rows) {
    ImGui::TableNextRow();
    ImGui::PushID(static_cast<int>(row.run_id));
    ImGui::TableNextColumn();
    color_swatch(row.run_id);
    ImGui::Text("#%lld %s", static_cast<long long>(row.run_id), row.name.c_str());
    ImGui::TextDisabled("   %s%s", row.status.c_str(), row.is_baseline ? "  (baseline)" : "");
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.objective.c_str());
    ImGui::TableNextColumn();
    if (row.queries > 0) ImGui::Text("%s, %zu q", row.split.c_str(), row.queries);
    else ImGui::TextUnformatted(row.split.c_str());
    if (row.step >= 0) ImGui::Text("step %lld", static_cast<long long>(row.step));
    else ImGui::TextDisabled("no eval yet");
    for (const MetricCell& cell : row.cells) {
      ImGui::TableNextColumn();
      ImGui::BeginGroup();
      draw_metric_cell(cell, row.is_baseline);
      ImGui::EndGroup();
      cell_tooltip(cell);
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void ComparePanel::draw_diff(const RunViewModel& model, const CompareResult& result) {
  const ConfigDiff& diff = result.diff;
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Config differences");
  ImGui::SameLine();
  if (diff.run_ids.size() < 2) {
    ImGui::TextDisabled("select two or more training runs to see the config fields that differ");
  } else {
    ImGui::TextDisabled("%zu fields differ among %zu runs (flattened runs.config_json)", diff.rows.size(),
                        diff.run_ids.size());
  }
  ImGui::SameLine();
  ImGui::Checkbox("Include BM25 baselines", &diff_includes_baselines_);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A baseline's config holds only its dataset and split: every other field would differ.");
  if (diff.run_ids.size() < 2) return;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_BordersOuter |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX | ImGuiTableFlags_Resizable |
                                ImGuiTableFlags_SizingFixedFit;
  const int columns = 1 + static_cast<int>(diff.run_ids.size());
  if (columns > 64 || !ImGui::BeginTable("config_diff", columns, flags, ImVec2(0, 0))) return;
  const float font = ImGui::GetFontSize();
  ImGui::TableSetupScrollFreeze(1, 1);
  ImGui::TableSetupColumn("Field", ImGuiTableColumnFlags_WidthFixed, font * 14);
  for (int64_t run_id : diff.run_ids) {
    const store::RunRecord* run = model.find_run(run_id);
    const std::string title = run ? run_title(*run) : "#" + std::to_string(run_id);
    ImGui::TableSetupColumn(title.c_str(), ImGuiTableColumnFlags_WidthFixed, font * 12);
  }
  ImGui::TableHeadersRow();
  for (const auto& row : diff.rows) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row.path.c_str());
    for (const auto& value : row.values) {
      ImGui::TableNextColumn();
      if (value.empty()) ImGui::TextDisabled("(absent)");
      else ImGui::TextUnformatted(value.c_str());
      if (!value.empty() && ImGui::IsItemHovered() && value.size() > 24) ImGui::SetTooltip("%s", value.c_str());
    }
  }
  ImGui::EndTable();
}

void ComparePanel::draw(const RunViewModel& model, const RunSelection& selection) {
  update(model, selection, ImGui::GetTime());
  draw_toolbar(model);
  if (selection.empty()) {
    ImGui::Spacing();
    ImGui::TextDisabled("Select runs in the table to compare their final metrics (the group's BM25 run is the default baseline).");
    return;
  }
  const CompareResult* result = cache_.result();
  if (!result) {
    ImGui::TextDisabled("Reading evaluations...");
    return;
  }
  if (!result->error.empty()) ImGui::TextColored(kWorse, "%s", result->error.c_str());
  // The table takes the rows it needs, at most about 60% of the tab; the diff gets the rest.
  const ImGuiStyle& style = ImGui::GetStyle();
  const float row_height = 2 * ImGui::GetTextLineHeight() + style.ItemSpacing.y + 2 * style.CellPadding.y;
  const float wanted = ImGui::GetTextLineHeight() + 2 * style.CellPadding.y +
                       row_height * static_cast<float>(std::max<std::size_t>(1, result->table.rows.size())) + 2;
  const float available = ImGui::GetContentRegionAvail().y;
  draw_table(*result, std::min(wanted, std::max(available * 0.6f, row_height * 2)));
  ImGui::Spacing();
  draw_diff(model, *result);
}

}  // namespace multipos::ui
