#include "ui/panels/query_inspector_panel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <imgui.h>

#include "ui/plot/palette.hpp"
#include "ui/plot/small_multiples.hpp"

namespace multipos::ui {

namespace {

constexpr int kFixedColumns = 5;  // passage, text, grade, source, false+
constexpr int kColumnsPerRun = 3;  // score, p, dL/ds

std::string run_title(const RunViewModel& model, int64_t run_id) {
  const store::RunRecord* run = model.find_run(run_id);
  if (!run) return "#" + std::to_string(run_id);
  return (run->objective.empty() ? run->name : run->objective) + " #" + std::to_string(run_id);
}

// The probability as a bar under its value: p spans orders of magnitude between positives and
// negatives, so the bar shows the linear value and the text the exact one.
void probability_cell(double probability, ImU32 color) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x, height = ImGui::GetTextLineHeight();
  const float fill = width * static_cast<float>(std::clamp(probability, 0.0, 1.0));
  ImDrawList& draw = *ImGui::GetWindowDrawList();
  draw.AddRectFilled(at, ImVec2(at.x + width, at.y + height), IM_COL32(255, 255, 255, 14), 2.0f);
  if (fill > 0.5f) draw.AddRectFilled(at, ImVec2(at.x + std::max(fill, 1.5f), at.y + height), color, 2.0f);
  char text[32];
  std::snprintf(text, sizeof text, probability >= 0.001 ? "%.3f" : "%.1e", probability);
  ImGui::TextUnformatted(text);
}

// dL/ds: negative values pull the score up (green), positive ones push it down (red). With a
// small temperature the values reach tens, so the precision follows the magnitude.
void gradient_cell(double gradient) {
  const ImVec4 color = gradient < 0 ? ImVec4(0.45f, 0.85f, 0.5f, 1.0f)
                                    : gradient > 0 ? ImVec4(1.0f, 0.5f, 0.45f, 1.0f)
                                                   : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
  const double magnitude = std::fabs(gradient);
  const char* format = magnitude == 0 ? "0" : magnitude >= 10 ? "%+.1f" : magnitude >= 1 ? "%+.2f"
                       : magnitude >= 0.001 ? "%+.3f" : "%+.0e";
  ImGui::TextColored(color, format, gradient);
}

// Widths of the per-run columns, in font sizes; the run's title spans all three.
constexpr float kScoreWidth = 3.4f, kProbabilityWidth = 4.6f, kGradientWidth = 3.7f;

// Text across the three columns of a run group: the cell's own clip rect would cut it at the
// first column, so it is drawn under a clip rect as wide as the group.
void spanning_text(const char* text, ImU32 color, float span) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::PushClipRect(at, ImVec2(at.x + span, at.y + ImGui::GetTextLineHeight()), false);
  ImGui::GetWindowDrawList()->AddText(at, color, text);
  ImGui::PopClipRect();
  ImGui::Dummy(ImVec2(1, ImGui::GetTextLineHeight()));
}

}  // namespace

void QueryInspectorPanel::keep_indexes_fresh(const RunViewModel& model, const std::vector<int64_t>& run_ids) {
  // A training run keeps adding probe steps: when the probe/pos_mass series (one point per probe
  // step) has more points than the index has steps, read the index again.
  for (int64_t id : run_ids) {
    const ProbeIndex* index = cache_.index(id);
    const SeriesData* probe_series = model.series(id, "probe/pos_mass");
    if (index && probe_series && probe_series->steps.size() > index->steps.size() && index->error.empty()) {
      cache_.refresh_index(id);
    }
  }
}

const RunDataset* QueryInspectorPanel::find_dataset(const std::vector<int64_t>& run_ids) {
  dataset_error_.clear();
  if (!datasets_) return nullptr;
  datasets_->sync();
  // The first selected run with stored texts: runs compared side by side share their data.
  const RunDataset* first_read = nullptr;
  for (int64_t id : run_ids) {
    const RunDataset* entry = datasets_->get(id);
    if (!entry) continue;
    // Rows written since the read (a new dev evaluation's passages, or the record of a run that
    // has just started): read again, this entry staying shown meanwhile.
    if (const ProbeIndex* index = cache_.index(id)) {
      if (index->retrieved_steps.size() > entry->retrieved_steps ||
          (!entry->has_texts() && index->steps.size() > entry->probe_steps)) {
        datasets_->refresh(id);
      }
    }
    if (!entry->error.empty() && dataset_error_.empty()) dataset_error_ = entry->error;
    if (entry->has_texts()) return entry;
    if (!first_read && entry->empty()) first_read = entry;  // baselines store statistics only
  }
  if (first_read && dataset_error_.empty()) {
    dataset_error_ = "run #" + std::to_string(first_read->run_id) +
                     " has no stored texts (recorded before the store kept them); add them with: " +
                     store_texts_command(datasets_->db_path(), first_read->run_id);
  }
  return nullptr;
}

void QueryInspectorPanel::draw_retrieved(const std::vector<RunColumn>& columns) {
  ImGui::TextDisabled("Retrieved at the dev evaluation at or before the step (rank, passage, score; "
                      "+g = judged positive of grade g, F = known false positive)");
  // One column per run that has a list; the others are named once (e.g. BM25 baselines).
  std::vector<std::size_t> shown;
  std::string without;
  for (std::size_t r = 0; r < columns.size() && r < retrieved_shown_.size(); ++r) {
    if (!retrieved_shown_[r].empty()) shown.push_back(r);
    else without += (without.empty() ? "" : ", ") + columns[r].title;
  }
  if (shown.empty()) {
    ImGui::TextDisabled("no retrieved lists stored for this run%s", columns.size() > 1 ? "s" : "");
    return;
  }
  if (!without.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("| none stored: %s", without.c_str());
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_SizingStretchSame;
  if (!ImGui::BeginTable("##retrieved", static_cast<int>(shown.size()), flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (std::size_t r : shown) ImGui::TableSetupColumn(columns[r].title.c_str());
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  std::size_t rows = 0;
  for (std::size_t c = 0; c < shown.size(); ++c) {
    const std::size_t r = shown[c];
    ImGui::TableSetColumnIndex(static_cast<int>(c));
    const std::string title = columns[r].title + "  @" + std::to_string(retrieved_steps_shown_[r]);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(plot::run_color(columns[r].run_id)), "%s", title.c_str());
    rows = std::max(rows, retrieved_shown_[r].size());
  }
  for (std::size_t i = 0; i < rows; ++i) {
    ImGui::TableNextRow();
    for (std::size_t c = 0; c < shown.size(); ++c) {
      const auto& list = retrieved_shown_[shown[c]];
      ImGui::TableSetColumnIndex(static_cast<int>(c));
      if (i < list.size()) draw_retrieved_row(list[i]);
    }
  }
  ImGui::EndTable();
}

void QueryInspectorPanel::draw_retrieved_row(const store::RetrievedRow& row) {
  const RunDataset::Relevance mark = dataset_ ? dataset_->relevance(query_, row.passage_id) : RunDataset::Relevance{};
  char mark_text[24] = "";
  if (mark.judged) std::snprintf(mark_text, sizeof mark_text, mark.false_positive ? " F" : " +%g", mark.grade);
  const ImVec4 color = !mark.judged ? ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled)
                       : mark.false_positive ? ImVec4(1.0f, 0.45f, 0.4f, 1.0f) : ImVec4(0.45f, 0.85f, 0.5f, 1.0f);
  ImGui::TextColored(color, "%2d %s %.3f%s", row.rank, row.passage_id.c_str(), row.score, mark_text);
  if (!dataset_ || !ImGui::IsItemHovered()) return;
  const std::string& text = dataset_->passage_text(row.passage_id);
  if (text.empty()) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

void QueryInspectorPanel::draw_query_list(const std::vector<std::string>& query_ids) {
  ImGui::TextDisabled("Probe queries (%zu)", query_ids.size());
  ImGui::SetNextItemWidth(-1);
  char buffer[128];
  const std::size_t length = std::min(filter_.size(), sizeof buffer - 1);
  filter_.copy(buffer, length);
  buffer[length] = '\0';
  if (ImGui::InputTextWithHint("##query_filter", "search ids", buffer, sizeof buffer)) filter_ = buffer;
  const std::vector<std::string> shown = filter_ids(query_ids, filter_);
  if (ImGui::BeginListBox("##queries", ImVec2(-1, -1))) {
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(shown.size()));
    while (clipper.Step()) {
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const std::string& id = shown[static_cast<std::size_t>(i)];
        if (ImGui::Selectable(id.c_str(), id == query_)) query_ = id;
      }
    }
    if (shown.empty()) ImGui::TextDisabled(query_ids.empty() ? "no probe queries" : "no match");
    ImGui::EndListBox();
  }
}

void QueryInspectorPanel::draw_step_bar(const std::vector<int64_t>& steps) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Step");
  ImGui::SameLine();
  if (steps.empty()) {
    ImGui::TextDisabled("no probe step yet");
    shown_step_ = -1;
    return;
  }
  const int64_t chosen = step_ < 0 ? steps.back() : step_at_or_before(steps, step_);
  int position = static_cast<int>(std::lower_bound(steps.begin(), steps.end(), std::max(chosen, steps.front())) - steps.begin());
  const int last = static_cast<int>(steps.size()) - 1;
  if (ImGui::ArrowButton("##previous", ImGuiDir_Left) && position > 0) step_ = steps[static_cast<std::size_t>(--position)];
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::min(ImGui::GetFontSize() * 24, ImGui::GetContentRegionAvail().x * 0.5f));
  char label[48];
  std::snprintf(label, sizeof label, "%lld", static_cast<long long>(steps[static_cast<std::size_t>(position)]));
  if (ImGui::SliderInt("##step", &position, 0, last, label, ImGuiSliderFlags_AlwaysClamp)) {
    step_ = position == last ? -1 : steps[static_cast<std::size_t>(position)];  // the end follows new steps
  }
  ImGui::SameLine();
  if (ImGui::ArrowButton("##next", ImGuiDir_Right) && position < last) {
    ++position;
    step_ = position == last ? -1 : steps[static_cast<std::size_t>(position)];
  }
  ImGui::SameLine();
  ImGui::TextDisabled(step_ < 0 ? "latest of %d probe steps (follows training)" : "probe step %d of %d",
                      step_ < 0 ? last + 1 : position + 1, last + 1);
  shown_step_ = steps[static_cast<std::size_t>(position)];
}

void QueryInspectorPanel::draw_totals_row(const std::vector<RunColumn>& columns) {
  ImGui::TableNextRow();
  ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, IM_COL32(255, 255, 255, 12));
  ImGui::TableSetColumnIndex(0);
  ImGui::TextDisabled("total");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("score column: positives, or how many of them are pushed down (dL/ds > 0)\n"
                      "p column: P+, the probability mass on the positives\n"
                      "dL/ds column: share of sum |dL/ds| that goes to the positives");
  }
  for (std::size_t r = 0; r < columns.size(); ++r) {
    const InspectorTotals& totals = table_.totals[r];
    if (!totals.present) continue;
    const int base = kFixedColumns + static_cast<int>(r) * kColumnsPerRun;
    ImGui::TableSetColumnIndex(base);
    if (totals.pushed_down > 0) {
      ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.45f, 1.0f), "%d down", totals.pushed_down);
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%d of the %d positives have dL/ds > 0: the objective pushes their score down",
                          totals.pushed_down, totals.positives);
      }
    } else {
      ImGui::TextDisabled("%d pos", totals.positives);
    }
    ImGui::TableSetColumnIndex(base + 1);
    probability_cell(totals.positive_mass, plot::run_color(columns[r].run_id, 0.75f));
    ImGui::TableSetColumnIndex(base + 2);
    ImGui::Text("%.0f%%", totals.positive_grad_share * 100);
  }
}

void QueryInspectorPanel::draw_passage_row(const InspectorRow& row, const std::vector<RunColumn>& columns) {
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  if (row.is_positive) ImGui::TextUnformatted(row.passage_id.c_str());
  else ImGui::TextDisabled("%s", row.passage_id.c_str());
  ImGui::TableSetColumnIndex(1);
  const std::string& text = dataset_ ? dataset_->passage_text(row.passage_id) : std::string();
  if (!text.empty()) {
    ImGui::TextUnformatted(text.c_str());
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
      ImGui::TextUnformatted(text.c_str());
      ImGui::PopTextWrapPos();
      ImGui::EndTooltip();
    }
  } else {
    ImGui::TextDisabled(dataset_ ? "?" : "...");
  }
  ImGui::TableSetColumnIndex(2);
  if (row.is_positive) {  // coloured as the grade bands of the mass and gradient views
    const int level = table_.grade_level(row.grade);
    if (level >= 0)
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(band_color(BandKind::grade, level)), "%g", row.grade);
    else
      ImGui::Text("%g", row.grade);
  }
  ImGui::TableSetColumnIndex(3);
  ImGui::TextUnformatted(row.is_positive ? row.label_source.c_str() : "neg");
  ImGui::TableSetColumnIndex(4);
  if (row.is_false_positive) ImGui::TextColored(ImVec4(1.0f, 0.35f, 0.35f, 1.0f), "false");
  for (std::size_t r = 0; r < columns.size(); ++r) {
    const InspectorCell& cell = row.cells[r];
    if (!cell.present) continue;
    const int base = kFixedColumns + static_cast<int>(r) * kColumnsPerRun;
    ImGui::TableSetColumnIndex(base);
    ImGui::Text("%.3f", cell.score);
    if (ImGui::IsItemHovered() && row.is_positive) {
      ImGui::SetTooltip("positive rank %d in this run (1 = highest-scored positive)", cell.positive_rank);
    }
    ImGui::TableSetColumnIndex(base + 1);
    probability_cell(cell.probability, plot::run_color(columns[r].run_id, row.is_positive ? 0.6f : 0.35f));
    ImGui::TableSetColumnIndex(base + 2);
    gradient_cell(cell.gradient);
  }
}

void QueryInspectorPanel::draw_table(const std::vector<RunColumn>& columns) {
  const int column_count = kFixedColumns + kColumnsPerRun * static_cast<int>(columns.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Resizable;
  if (!ImGui::BeginTable("##inspector", column_count, flags)) return;
  const float em = ImGui::GetFontSize();
  ImGui::TableSetupScrollFreeze(1, 2);
  ImGui::TableSetupColumn("passage", ImGuiTableColumnFlags_WidthFixed, em * 4.0f);
  ImGui::TableSetupColumn("text", ImGuiTableColumnFlags_WidthFixed, em * 16.0f);
  ImGui::TableSetupColumn("grade", ImGuiTableColumnFlags_WidthFixed, em * 2.6f);
  ImGui::TableSetupColumn("source", ImGuiTableColumnFlags_WidthFixed, em * 3.0f);
  ImGui::TableSetupColumn("false+", ImGuiTableColumnFlags_WidthFixed, em * 2.8f);
  for (std::size_t r = 0; r < columns.size(); ++r) {
    ImGui::TableSetupColumn("score", ImGuiTableColumnFlags_WidthFixed, em * kScoreWidth);
    ImGui::TableSetupColumn("p", ImGuiTableColumnFlags_WidthFixed, em * kProbabilityWidth);
    ImGui::TableSetupColumn("dL/ds", ImGuiTableColumnFlags_WidthFixed, em * kGradientWidth);
  }
  // Two header rows: the run (in its color) above its three columns, then the column names.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  const float group_span = em * (kScoreWidth + kProbabilityWidth + kGradientWidth) +
                           ImGui::GetStyle().CellPadding.x * 4;
  for (std::size_t r = 0; r < columns.size(); ++r) {
    ImGui::TableSetColumnIndex(kFixedColumns + static_cast<int>(r) * kColumnsPerRun);
    std::string title = columns[r].title;
    if (columns[r].step < 0) title += "  (no probe)";
    else if (columns[r].step != shown_step_) title += "  @" + std::to_string(columns[r].step);
    spanning_text(title.c_str(), plot::run_color(columns[r].run_id), group_span);
  }
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c < column_count; ++c) {
    ImGui::TableSetColumnIndex(c);
    ImGui::PushID(c);
    ImGui::TableHeader(ImGui::TableGetColumnName(c));
    ImGui::PopID();
  }
  draw_totals_row(columns);
  for (const InspectorRow& row : table_.rows) draw_passage_row(row, columns);
  ImGui::EndTable();
}

void QueryInspectorPanel::draw(const RunViewModel& model, const RunSelection& selection) {
  cache_.sync();
  const std::vector<int64_t>& run_ids = selection.ids();
  keep_indexes_fresh(model, run_ids);
  dataset_ = find_dataset(run_ids);
  std::vector<const std::vector<std::string>*> id_lists;
  std::vector<const std::vector<int64_t>*> step_lists;
  std::string index_error;
  for (int64_t id : run_ids) {
    if (const ProbeIndex* index = cache_.index(id)) {
      id_lists.push_back(&index->query_ids);
      step_lists.push_back(&index->steps);
      if (!index->error.empty()) index_error = index->error;
    }
  }
  const std::vector<std::string> query_ids = merge_query_ids(id_lists);
  const std::vector<int64_t> steps = merge_steps(step_lists);
  if (!query_ids.empty() && std::find(query_ids.begin(), query_ids.end(), query_) == query_ids.end()) {
    query_ = query_ids.front();  // open on something rather than an empty table
  }

  const float list_width = ImGui::GetFontSize() * 9;
  ImGui::BeginChild("##query_list", ImVec2(list_width, 0), false);
  draw_query_list(query_ids);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("##query_detail", ImVec2(0, 0), false);
  draw_step_bar(steps);

  std::vector<RunColumn> columns;
  std::vector<const std::vector<store::ProbeRow>*> per_run;
  bool loading = false;
  for (int64_t id : run_ids) {
    RunColumn column{id, -1, run_title(model, id)};
    const ProbeIndex* index = cache_.index(id);
    const std::vector<store::ProbeRow>* rows = nullptr;
    if (index && shown_step_ >= 0 && !query_.empty()) {
      column.step = step_at_or_before(index->steps, shown_step_);
      if (column.step >= 0) {
        rows = cache_.rows(id, column.step, query_);
        loading = loading || !rows;
      }
    }
    loading = loading || !index;
    columns.push_back(std::move(column));
    per_run.push_back(rows);
  }
  table_ = build_inspector_table(per_run);
  gather_retrieved(run_ids);
  draw_query_header(run_ids, index_error, loading);
  if (!run_ids.empty() && !query_.empty()) {
    // The probe table above, the retrieved lists below (a third of the height when present).
    const float available = ImGui::GetContentRegionAvail().y;
    const float retrieved_height = std::max(ImGui::GetFrameHeight() * 3, available * 0.33f);
    ImGui::BeginChild("##probe_table", ImVec2(0, available - retrieved_height - ImGui::GetStyle().ItemSpacing.y), false);
    draw_table(columns);
    ImGui::EndChild();
    ImGui::BeginChild("##retrieved_lists", ImVec2(0, 0), false);
    draw_retrieved(columns);
    ImGui::EndChild();
  }
  ImGui::EndChild();
}

void QueryInspectorPanel::gather_retrieved(const std::vector<int64_t>& run_ids) {
  retrieved_shown_.assign(run_ids.size(), {});
  retrieved_steps_shown_.assign(run_ids.size(), -1);
  for (std::size_t r = 0; r < run_ids.size(); ++r) {
    const ProbeIndex* index = cache_.index(run_ids[r]);
    if (!index || query_.empty() || index->retrieved_steps.empty()) continue;
    // The latest evaluation at or before the shown probe step (the first one before any).
    int64_t step = shown_step_ >= 0 ? step_at_or_before(index->retrieved_steps, shown_step_) : -1;
    if (step < 0) step = index->retrieved_steps.front();
    retrieved_steps_shown_[r] = step;
    if (const auto* rows = cache_.retrieved(run_ids[r], step, query_)) retrieved_shown_[r] = *rows;
  }
}

void QueryInspectorPanel::draw_query_header(const std::vector<int64_t>& run_ids, const std::string& index_error,
                                            bool loading) {
  ImGui::AlignTextToFramePadding();
  if (run_ids.empty()) {
    ImGui::TextDisabled("Select runs in the table to inspect their probe queries.");
  } else if (!index_error.empty() || !cache_.last_error().empty()) {
    ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s",
                       index_error.empty() ? cache_.last_error().c_str() : index_error.c_str());
  } else if (query_.empty()) {
    ImGui::TextDisabled(loading ? "Reading probe queries..." : "The selected runs have no probe rows.");
  } else {
    ImGui::Text("Query %s", query_.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%zu passages%s  |  dL/ds < 0 pulls a score up, > 0 pushes it down", table_.rows.size(),
                        loading ? ", reading..." : "");
    const std::string& text = dataset_ ? dataset_->query_text(query_) : std::string();
    ImGui::PushTextWrapPos(0);
    if (!text.empty()) ImGui::TextColored(ImVec4(0.85f, 0.88f, 1.0f, 1.0f), "\"%s\"", text.c_str());
    else if (!dataset_error_.empty()) ImGui::TextDisabled("no texts: %s", dataset_error_.c_str());
    else ImGui::TextDisabled(datasets_ && datasets_->loading() ? "reading the stored texts..." : "(no text)");
    ImGui::PopTextWrapPos();
  }
}

}  // namespace multipos::ui
