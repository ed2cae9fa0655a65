#include "ui/panels/dataset_panel.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include <imgui.h>

namespace multipos::ui {

namespace {

const ImVec4 kErrorColor(1.0f, 0.45f, 0.4f, 1.0f);

// Bars of one split's positives-per-query histogram, labelled under each bar.
void draw_histogram(const store::SplitStats& split, float width, float height) {
  std::size_t largest = 1;
  for (const auto& [label, count] : split.positives_histogram) largest = std::max(largest, count);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float line = ImGui::GetTextLineHeight();
  const float bars = std::max(1.0f, static_cast<float>(split.positives_histogram.size()));
  const float slot = width / bars, bar_height = height - 2 * line;
  ImDrawList& draw = *ImGui::GetWindowDrawList();
  for (std::size_t i = 0; i < split.positives_histogram.size(); ++i) {
    const auto& [label, count] = split.positives_histogram[i];
    const float x = at.x + slot * static_cast<float>(i);
    const float top = at.y + line + bar_height * (1.0f - static_cast<float>(count) / static_cast<float>(largest));
    draw.AddRectFilled(ImVec2(x + slot * 0.15f, top), ImVec2(x + slot * 0.85f, at.y + line + bar_height),
                       ImGui::GetColorU32(ImGuiCol_PlotHistogram, 0.8f), 2.0f);
    const std::string value = std::to_string(count);
    const float value_width = ImGui::CalcTextSize(value.c_str()).x;
    draw.AddText(ImVec2(x + (slot - value_width) * 0.5f, top - line), ImGui::GetColorU32(ImGuiCol_Text), value.c_str());
    const float label_width = ImGui::CalcTextSize(label.c_str()).x;
    draw.AddText(ImVec2(x + (slot - label_width) * 0.5f, at.y + line + bar_height + 2),
                 ImGui::GetColorU32(ImGuiCol_TextDisabled), label.c_str());
  }
  ImGui::Dummy(ImVec2(width, height + 4));
}

void draw_split_table(const store::DatasetStats& stats) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("##splits", 9, flags)) return;
  for (const char* title : {"split", "queries", "with positives", "positives", "false +", "hard negatives",
                            "pos/query min", "median", "mean / max"}) {
    ImGui::TableSetupColumn(title);
  }
  ImGui::TableHeadersRow();
  for (const auto& split : stats.splits) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(split.name.c_str());
    for (std::size_t value : {split.queries, split.queries_with_positives, split.positives}) {
      ImGui::TableNextColumn();
      ImGui::Text("%zu", value);
    }
    ImGui::TableNextColumn();
    if (split.false_positives > 0) {
      ImGui::TextColored(kErrorColor, "%zu (%.1f%%)", split.false_positives,
                         100.0 * static_cast<double>(split.false_positives) / static_cast<double>(std::max<std::size_t>(1, split.positives)));
    } else {
      ImGui::TextDisabled("0");
    }
    ImGui::TableNextColumn();
    ImGui::Text("%zu", split.hard_negatives);
    ImGui::TableNextColumn();
    ImGui::Text("%zu", split.min_positives);
    ImGui::TableNextColumn();
    ImGui::Text("%g", split.median_positives);
    ImGui::TableNextColumn();
    ImGui::Text("%.2f / %zu", split.mean_positives, split.max_positives);
  }
  ImGui::EndTable();
}

// "name: count (share)" lines of a map (grades or label sources) of one split.
void draw_counts(const char* title, const std::map<std::string, std::size_t>& counts, std::size_t total) {
  ImGui::TextDisabled("%s", title);
  for (const auto& [name, count] : counts) {
    ImGui::Text("  %-8s %7zu  (%.1f%%)", name.c_str(), count,
                100.0 * static_cast<double>(count) / static_cast<double>(std::max<std::size_t>(1, total)));
  }
  if (counts.empty()) ImGui::TextDisabled("  none");
}

}  // namespace

void DatasetPanel::draw_stats(const RunDataset& entry) {
  const store::DatasetStats& stats = entry.stats;
  ImGui::Text("%s: %zu passages (%.1f words on average), %zu queries", stats.name.c_str(), stats.passages,
              stats.mean_passage_words, stats.queries);
  ImGui::SameLine();
  ImGui::TextDisabled("  stored with the run (read in %.3f s off the UI thread)", entry.seconds);
  if (stats.queries_in_no_split > 0) ImGui::TextDisabled("%zu queries are in no split", stats.queries_in_no_split);
  draw_split_table(stats);
  ImGui::Spacing();
  // One column per non-empty split: histogram, grades, label sources.
  std::vector<const store::SplitStats*> splits;
  for (const auto& split : stats.splits) {
    if (split.queries > 0) splits.push_back(&split);
  }
  if (!splits.empty() && ImGui::BeginTable("##split_details", static_cast<int>(splits.size()), ImGuiTableFlags_BordersInnerV)) {
    for (const auto* split : splits) {
      ImGui::TableNextColumn();
      ImGui::Text("%s: positives per query", split->name.c_str());
      draw_histogram(*split, ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 8);
      draw_counts("grades", split->grades, split->positives);
      draw_counts("label sources", split->label_sources, split->positives);
    }
    ImGui::EndTable();
  }
  if (!stats.notes.empty()) {
    ImGui::Spacing();
    ImGui::TextDisabled("Notes");
    ImGui::PushTextWrapPos(0);
    for (const auto& note : stats.notes) ImGui::BulletText("%s", note.c_str());
    ImGui::PopTextWrapPos();
  }
}

void DatasetPanel::draw_missing(const store::RunRecord& run) {
  const bool waiting_for_worker = run.status == "queued" || (run.status == "running" && run.last_step < 0);
  ImGui::PushTextWrapPos(0);
  if (waiting_for_worker) {
    ImGui::TextDisabled("The worker stores the dataset's statistics once it has loaded the dataset.");
  } else {
    ImGui::TextUnformatted("This run has no stored dataset statistics or texts: it was recorded before the run "
                           "store kept them (the studio reads only the store, never the dataset's files).");
    ImGui::TextUnformatted("To add them from the dataset its config names (its files must still be there), run:");
    const std::string command = store_texts_command(cache_.db_path(), run.id);
    ImGui::TextColored(ImVec4(0.85f, 0.88f, 1.0f, 1.0f), "  %s", command.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("Copy")) ImGui::SetClipboardText(command.c_str());
    ImGui::TextDisabled("(without --run, it does so for every run that lacks them)");
  }
  ImGui::PopTextWrapPos();
}

void DatasetPanel::draw(const RunViewModel& model, const RunSelection& selection) {
  cache_.sync();
  shown_ = nullptr;
  shown_run_ = 0;
  waiting_ = false;
  const store::RunRecord* run = nullptr;
  for (int64_t id : selection.ids()) {
    run = model.find_run(id);
    if (run && config_names_dataset(run->config_json)) break;  // BM25 baselines may have none
  }
  if (!run) {
    ImGui::TextDisabled("Select a run in the table to see its dataset.");
    return;
  }
  shown_run_ = run->id;
  ImGui::Text("Dataset of run #%lld %s", static_cast<long long>(run->id), run->name.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("(as it trained: label regime and noise applied to the train split)");
  const RunDataset* entry = cache_.get(run->id);
  waiting_ = entry == nullptr;
  if (!entry) {
    ImGui::TextDisabled("Reading the run store...");
    return;
  }
  // A run that has just started stores its statistics once its dataset has loaded: read again
  // as it makes progress until they are there.
  if (!entry->has_stats && entry->error.empty() && (run->status == "running" || run->status == "queued")) {
    auto [at, added] = refreshed_at_step_.try_emplace(run->id, run->last_step);
    if (!added && at->second != run->last_step) {
      at->second = run->last_step;
      cache_.refresh(run->id);
    }
  }
  shown_ = entry;
  if (!entry->error.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(kErrorColor, "Could not read the stored dataset statistics: %s", entry->error.c_str());
    ImGui::PopTextWrapPos();
    return;
  }
  if (!entry->has_stats) {
    if (config_names_dataset(run->config_json)) draw_missing(*run);
    else ImGui::TextDisabled("This run's config names no dataset.");
    return;
  }
  ImGui::BeginChild("##dataset_stats", ImVec2(0, 0), false);
  draw_stats(*entry);
  ImGui::EndChild();
}

}  // namespace multipos::ui
