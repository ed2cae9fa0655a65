#include "ui/panels/runs_table_panel.hpp"

#include <algorithm>
#include <ctime>

#include <imgui.h>

#include "core/runs/gpus.hpp"
#include "ui/plot/palette.hpp"
#include "ui/plot/plot_math.hpp"

namespace multipos::ui {

namespace {

ImVec4 status_color(const std::string& status) {
  if (status == "running") return ImVec4(0.40f, 0.72f, 1.00f, 1.0f);
  if (status == "finished") return ImVec4(0.42f, 0.80f, 0.46f, 1.0f);
  if (status == "failed") return ImVec4(0.96f, 0.38f, 0.38f, 1.0f);
  if (status == "stopped") return ImVec4(0.93f, 0.74f, 0.30f, 1.0f);
  return ImVec4(0.62f, 0.64f, 0.68f, 1.0f);  // queued, unknown
}

std::string format_time(double unix_seconds) {
  if (unix_seconds <= 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(unix_seconds);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &local);
  return text;
}

// Single line of an error message for the table cell; the tooltip shows it whole.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Column setup order defines the ids that sort specs report (ColumnUserID = RunColumn).
struct ColumnSpec {
  const char* label;
  RunColumn column;
  ImGuiTableColumnFlags flags;
  float width;  // fixed width in font-size units; 0 = stretch
};

const ColumnSpec kColumns[] = {
    {"#", RunColumn::id, ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_PreferSortDescending, 2.6f},
    {"Status", RunColumn::status, 0, 5.0f},
    {"Name", RunColumn::name, ImGuiTableColumnFlags_WidthStretch, 0},
    {"Objective", RunColumn::objective, 0, 7.0f},
    {"Dataset", RunColumn::dataset, 0, 7.0f},
    {"Steps", RunColumn::steps, ImGuiTableColumnFlags_PreferSortDescending, 8.0f},
    {"ETA", RunColumn::eta, ImGuiTableColumnFlags_NoSort, 4.0f},
    {"Last loss", RunColumn::last_loss, 0, 5.0f},
    {"Tags", RunColumn::tags, 0, 5.0f},
    {"GPU", RunColumn::gpus, 0, 4.0f},  // the GPUs (CUDA_VISIBLE_DEVICES) the scheduler gave the run
    // Hidden at first to leave the name room; the header's context menu shows it (kept in imgui.ini).
    {"Started", RunColumn::started, ImGuiTableColumnFlags_PreferSortDescending | ImGuiTableColumnFlags_DefaultHide, 7.8f},
    {"Error", RunColumn::error, ImGuiTableColumnFlags_WidthStretch, 0},
};

// ImGui's ProgressBar puts its text at the end of the fill (hard to read over the edge) and
// shifts the row's text baseline; this one centers the text over a dimmer fill.
void draw_progress(float fraction, const std::string& text) {
  const float width = ImGui::GetContentRegionAvail().x, height = ImGui::GetTextLineHeight();
  const ImVec2 start = ImGui::GetCursorScreenPos();
  const ImVec2 end(start.x + width, start.y + height);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(start, end, ImGui::GetColorU32(ImGuiCol_FrameBg), 2.0f);
  if (fraction > 0) {
    draw->AddRectFilled(start, ImVec2(start.x + width * fraction, end.y),
                        ImGui::GetColorU32(ImGuiCol_PlotHistogram, 0.55f), 2.0f);
  }
  const float text_width = ImGui::CalcTextSize(text.c_str()).x;
  draw->AddText(ImVec2(start.x + std::max(0.0f, (width - text_width) * 0.5f), start.y),
                ImGui::GetColorU32(ImGuiCol_Text), text.c_str());
  ImGui::Dummy(ImVec2(width, height));
}

}  // namespace

void RunsTablePanel::draw_row_menu(const store::RunRecord& run) {
  if (!ImGui::BeginPopupContextItem("##row_menu")) return;
  ImGui::TextDisabled("Run #%lld %s", static_cast<long long>(run.id), run.name.c_str());
  ImGui::Separator();
  const bool running = run.status == "running", queued = run.status == "queued";
  const bool resumable = run.status == "stopped" || run.status == "failed";
  if (ImGui::MenuItem("Stop (SIGTERM)", "Space", false, running)) request(RunAction::Kind::stop, run.id);
  if (ImGui::MenuItem("Resume", "Space", false, resumable)) request(RunAction::Kind::resume, run.id);
  if (ImGui::MenuItem("Cancel", nullptr, false, queued)) request(RunAction::Kind::cancel, run.id);
  ImGui::Separator();
  if (ImGui::MenuItem("Tags and notes...")) request(RunAction::Kind::edit_notes, run.id);
  if (ImGui::MenuItem("Duplicate and edit...", "Ctrl+D")) request(RunAction::Kind::duplicate, run.id);
  if (ImGui::MenuItem("New runs...", "Ctrl+N")) request(RunAction::Kind::new_runs);
  ImGui::Separator();
  if (ImGui::MenuItem("Delete...", "Del", false, !running)) request(RunAction::Kind::remove, run.id);
  ImGui::EndPopup();
}

void RunsTablePanel::draw_status_filter(const RunViewModel& model) {
  const std::string preview = status_filter_.all() ? "all" : "some";
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5.5f);
  if (!ImGui::BeginCombo("##status_filter", ("Status: " + preview).c_str(), ImGuiComboFlags_NoArrowButton)) {
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Show runs by status");
    return;
  }
  for (const auto& status : run_statuses()) {
    std::size_t count = 0;
    for (const auto& run : model.runs()) count += run.status == status ? 1 : 0;
    bool shown = status_filter_.shows(status);
    const std::string label = status + " (" + std::to_string(count) + ")";
    if (ImGui::Checkbox(label.c_str(), &shown)) status_filter_.set(status, shown);
  }
  if (ImGui::SmallButton("All")) status_filter_.set_hidden_mask(0);
  ImGui::EndCombo();
}

void RunsTablePanel::draw_toolbar(const RunViewModel& model, RunSelection& selection) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Runs");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 11);
  if (focus_filter_) {
    ImGui::SetKeyboardFocusHere();
    focus_filter_ = false;
  }
  char buffer[256];
  const std::size_t length = std::min(filter_.size(), sizeof buffer - 1);
  filter_.copy(buffer, length);
  buffer[length] = '\0';
  if (ImGui::InputTextWithHint("##filter", "Filter (Ctrl+F)", buffer, sizeof buffer)) filter_ = buffer;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Words matched in name, status, objective, dataset, tags and #id");
  ImGui::SameLine();
  draw_status_filter(model);
  ImGui::SameLine();
  if (ImGui::Button("New runs...")) request(RunAction::Kind::new_runs);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Ctrl+N");
  // Stop / Resume / Cancel / Delete act on the selected runs they apply to.
  std::vector<int64_t> stoppable, resumable, cancellable, deletable;
  for (int64_t run_id : selection.ids()) {
    const store::RunRecord* run = model.find_run(run_id);
    if (!run) continue;
    if (run->status == "running" || run->status == "queued") stoppable.push_back(run_id);
    if (run->status == "stopped" || run->status == "failed") resumable.push_back(run_id);
    if (run->status == "queued") cancellable.push_back(run_id);
    if (run->status != "running") deletable.push_back(run_id);
  }
  auto action_button = [&](const char* label, const std::vector<int64_t>& ids, RunAction::Kind kind,
                           const char* tooltip) {
    ImGui::SameLine();
    ImGui::BeginDisabled(ids.empty());
    if (ImGui::Button(label)) {
      for (int64_t run_id : ids) request(kind, run_id);
    }
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", tooltip);
    ImGui::EndDisabled();
  };
  action_button("Stop", stoppable, RunAction::Kind::stop,
                "Selected running runs: SIGTERM, the worker stops after its current step.\n"
                "Selected queued runs: cancelled. (Space)");
  action_button("Resume", resumable, RunAction::Kind::resume,
                "Selected stopped or failed runs: queued again, resumed from the last checkpoint. (Space)");
  action_button("Cancel", cancellable, RunAction::Kind::cancel, "Selected queued runs: never started");
  action_button("Delete", deletable, RunAction::Kind::remove,
                "Selected runs that are not running, after a confirmation: rows, checkpoints, log. (Del)");
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::TextDisabled("%zu/%zu shown, %zu selected", shown_count_, model.runs().size(), selection.ids().size());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Click: select one run; ctrl-click: add or remove; shift-click: a range");
}

void RunsTablePanel::read_sort_specs() {
  ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs();
  if (!specs || !specs->SpecsDirty) return;
  sort_keys_.clear();
  for (int i = 0; i < specs->SpecsCount; ++i) {
    const ImGuiTableColumnSortSpecs& spec = specs->Specs[i];
    sort_keys_.push_back({static_cast<RunColumn>(spec.ColumnUserID),
                          spec.SortDirection == ImGuiSortDirection_Ascending});
  }
  specs->SpecsDirty = false;
}

void RunsTablePanel::draw_row(const RunViewModel& model, const store::RunRecord& run, RunSelection& selection) {
  ImGui::TableNextRow();
  ImGui::PushID(static_cast<int>(run.id));
  ImGui::TableSetColumnIndex(0);
  // The color swatch ties the row to its curve in the chart.
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float line = ImGui::GetTextLineHeight();
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(at.x, at.y + line * 0.2f),
                                            ImVec2(at.x + 4, at.y + line * 0.8f),
                                            plot::run_color(run.id));
  const std::string id_label = "  " + std::to_string(run.id);
  if (ImGui::Selectable(id_label.c_str(), selection.contains(run.id),
                        ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
    const ImGuiIO& io = ImGui::GetIO();
    selection.click(run.id, io.KeyCtrl, io.KeyShift, visible_order_);
  }
  draw_row_menu(run);
  if (!run.error.empty() && ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
    ImGui::TextColored(status_color("failed"), "Run %lld failed", static_cast<long long>(run.id));
    ImGui::TextUnformatted(run.error.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
  ImGui::TableNextColumn();
  ImGui::TextColored(status_color(run.status), "%s", run.status.c_str());
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(run.name.c_str());
  if (!run.notes.empty() && ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
    ImGui::TextUnformatted(run.notes.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(run.objective.c_str());
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(run.dataset.c_str());
  ImGui::TableNextColumn();
  const long long done = run.last_step < 0 ? 0 : static_cast<long long>(run.last_step);
  const std::string steps = run.total_steps > 0
                                ? std::to_string(done) + " / " + std::to_string(run.total_steps)
                                : std::to_string(done);
  const float fraction =
      run.total_steps > 0 ? std::clamp(float(done) / float(run.total_steps), 0.0f, 1.0f) : 0.0f;
  draw_progress(fraction, steps);
  ImGui::TableNextColumn();
  const auto eta = estimate_eta(run, model.series(run.id, "loss"), model.series(run.id, "examples_per_s"));
  if (eta) ImGui::TextUnformatted(format_duration(*eta).c_str());
  else ImGui::TextDisabled("-");
  ImGui::TableNextColumn();
  if (run.last_step >= 0) ImGui::TextUnformatted(plot::format_value(run.last_loss).c_str());
  else ImGui::TextDisabled("-");
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(run.tags.c_str());
  ImGui::TableNextColumn();
  if (run.gpus.empty()) {
    ImGui::TextDisabled("-");
  } else {
    ImGui::TextUnformatted(run.gpus.c_str());
    static const std::vector<runs::HostGpu> pool = runs::host_gpus();  // names for the tooltip
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", ("GPU " + runs::describe_gpus(run.gpus, pool)).c_str());
  }
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(format_time(run.started_at).c_str());
  ImGui::TableNextColumn();
  if (!run.error.empty()) ImGui::TextColored(status_color("failed"), "%s", first_line(run.error).c_str());
  ImGui::PopID();
}

void RunsTablePanel::draw(const RunViewModel& model, RunSelection& selection) {
  draw_toolbar(model, selection);
  const ImGuiTableFlags flags =
      ImGuiTableFlags_Sortable | ImGuiTableFlags_SortMulti | ImGuiTableFlags_Resizable |
      ImGuiTableFlags_Reorderable | ImGuiTableFlags_Hideable | ImGuiTableFlags_RowBg |
      ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_BordersOuterH | ImGuiTableFlags_ScrollY |
      ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("runs", IM_ARRAYSIZE(kColumns), flags, ImVec2(0, 0))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  const float font = ImGui::GetFontSize();
  for (const ColumnSpec& spec : kColumns) {
    const ImGuiTableColumnFlags sizing = spec.width > 0 ? ImGuiTableColumnFlags_WidthFixed : 0;
    ImGui::TableSetupColumn(spec.label, spec.flags | sizing, spec.width * font,
                            static_cast<ImGuiID>(spec.column));
  }
  ImGui::TableHeadersRow();
  read_sort_specs();
  auto rows = visible_runs(model.runs(), filter_, sort_keys_);
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const store::RunRecord* run) { return !status_filter_.shows(run->status); }),
             rows.end());
  shown_count_ = rows.size();  // the toolbar above shows it from the next frame on
  visible_order_.clear();
  for (const auto* run : rows) visible_order_.push_back(run->id);
  for (const auto* run : rows) draw_row(model, *run, selection);
  ImGui::EndTable();
}

}  // namespace multipos::ui
