#include "ui/studio.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <thread>
#include <unordered_map>
#include <utility>

#include <imgui.h>

#include "core/runs/process.hpp"
#include "ui/splitter.hpp"
#include "ui/status_bar.hpp"

namespace multipos::ui {

namespace {

const std::pair<const char*, StudioTab> kTabNames[] = {
    {"curves", StudioTab::curves},       {"mass", StudioTab::mass},         {"gradient", StudioTab::gradient},
    {"inspector", StudioTab::inspector}, {"compare", StudioTab::compare}};

std::string this_executable() {
  try {
    return runs::current_executable();
  } catch (const std::exception&) {
    return "";  // only used to find the assets; the compiled-in source path remains
  }
}

RunControlOptions run_control_options(const StudioOptions& options) {
  RunControlOptions control;
  control.db_path = options.db_path;
  control.worker_executable = options.worker_executable;
  control.factory = options.run_factory;
  control.hand_over_on_exit = options.hand_over_queue_on_exit;
  return control;
}

}  // namespace

bool parse_studio_tab(const std::string& name, StudioTab& tab) {
  for (const auto& [text, value] : kTabNames) {
    if (name == text) {
      tab = value;
      return true;
    }
  }
  return false;
}

const char* studio_tab_name(StudioTab tab) {
  for (const auto& [text, value] : kTabNames) {
    if (value == tab) return text;
  }
  return "view";
}

Studio::Studio(StudioOptions options)
    : options_(std::move(options)),
      inspector_(options_.db_path),
      compare_(options_.db_path),
      launch_panel_(find_assets_dir(options_.assets_dir, this_executable()), &options_.run_factory),
      requested_tab_(options_.initial_tab),
      has_requested_tab_(options_.initial_tab != StudioTab::curves),
      run_control_(std::make_unique<RunControl>(run_control_options(options_))),
      poller_(std::make_unique<StorePoller>(options_.db_path, options_.poll_interval)) {
  log_.add(LogLevel::info, "Studio reading " + options_.db_path);
}

void Studio::write_file(const ExportFile& file, const std::string& what) {
  try {
    const std::string path = write_export(options_.db_path, file, store::now_seconds());
    log_.add(LogLevel::info, "Exported " + what + " to " + path);
  } catch (const std::exception& error) {
    log_.add(LogLevel::error, "Export of " + what + " failed: " + error.what());
  }
}

void Studio::export_curves_csv() {
  const auto columns = chart_columns(model_, selection_.ids(), chart_.series_name(), chart_.smoothing());
  if (columns.empty()) {
    log_.add(LogLevel::warning, "Nothing to export: no selected run has points of " + chart_.series_name());
    return;
  }
  write_file({"curves-" + chart_.series_name(), "csv", curves_csv(columns)},
             chart_.series_name() + " curves (" + std::to_string(columns.size()) + " runs)");
}

std::string Studio::request_png() {
  std::string stem = std::string("studio-") + studio_tab_name(active_tab_);
  std::error_code error;
  std::filesystem::create_directories(export_directory(options_.db_path), error);
  const std::string path = export_path(options_.db_path, stem, "png", store::now_seconds());
  png_request_ = path;
  return path;
}

void Studio::png_written(const std::string& path, bool ok, const std::string& error) {
  if (ok) log_.add(LogLevel::info, "Saved the window as " + path);
  else log_.add(LogLevel::error, "Saving " + path + " failed: " + error);
}

void Studio::handle_requests() {
  for (const ExportFile& file : compare_.take_exports()) {
    write_file(file, file.extension == "md" ? "compare table (Markdown)" : "compare table (CSV)");
  }
  if (auto request = launch_panel_.take_launch()) run_control_->launch(std::move(*request));
  for (const RunAction& action : runs_table_.take_actions()) {
    switch (action.kind) {
      case RunAction::Kind::new_runs: launch_panel_.open(); break;
      case RunAction::Kind::stop: run_control_->stop(action.run_id); break;
      case RunAction::Kind::cancel: run_control_->cancel(action.run_id); break;
    }
  }
  bool changed_runs = false;
  for (auto& message : run_control_->take_messages()) {
    log_.add(message.level, std::move(message.text));
    changed_runs = true;
  }
  const std::vector<int64_t> created = run_control_->take_created();
  select_when_listed_.insert(select_when_listed_.end(), created.begin(), created.end());
  if (changed_runs) poller_->request_poll();  // show new, started or stopped runs at once
}

void Studio::apply_health(const StoreHealth& health) {
  const bool was_failing = health_.state == StoreHealth::State::failed ||
                           health_.state == StoreHealth::State::missing;
  health_ = health;
  switch (health.state) {
    case StoreHealth::State::connected:
      log_.add(LogLevel::info, was_failing ? "Run store available again" : "Connected to run store");
      break;
    case StoreHealth::State::missing: log_.add(LogLevel::warning, health.message); break;
    case StoreHealth::State::failed: log_.add(LogLevel::error, health.message); break;
    case StoreHealth::State::connecting: break;
  }
}

void Studio::apply_runs(std::vector<store::RunRecord> runs) {
  // Report runs that failed since the last poll, with the worker's message.
  std::unordered_map<int64_t, std::string> previous_status;
  for (const auto& run : model_.runs()) previous_status[run.id] = run.status;
  const bool first_list = model_.runs().empty();
  for (const auto& run : runs) {
    const auto before = previous_status.find(run.id);
    const bool newly_failed = run.status == "failed" &&
                              (first_list ? false : before == previous_status.end() || before->second != "failed");
    if (newly_failed) {
      log_.add(LogLevel::error, "Run #" + std::to_string(run.id) + " " + run.name + " failed: " +
                                    (run.error.empty() ? "no message" : run.error));
    }
  }
  model_.set_runs(std::move(runs));
  selection_.retain(model_.runs());
  if (!select_when_listed_.empty()) {
    // Just launched: select the new runs and their group (its bm25 baseline) once all are listed.
    const bool listed = std::all_of(select_when_listed_.begin(), select_when_listed_.end(),
                                    [&](int64_t id) { return model_.find_run(id) != nullptr; });
    if (listed) {
      std::vector<int64_t> ids = select_when_listed_;
      const std::string group = model_.find_run(ids.front())->group_id;
      for (const auto& run : model_.runs()) {
        const bool mate = !group.empty() && run.group_id == group;
        if (mate && std::find(ids.begin(), ids.end(), run.id) == ids.end()) ids.push_back(run.id);
      }
      std::sort(ids.begin(), ids.end());
      selection_.set(ids);
      select_when_listed_.clear();
      selected_initially_ = true;
    }
  }
  if (!selected_initially_ && !model_.runs().empty()) {
    // Open on something useful: the newest run and the runs launched with it.
    const auto& runs_now = model_.runs();
    const auto newest = std::max_element(runs_now.begin(), runs_now.end(),
                                         [](const auto& a, const auto& b) { return a.id < b.id; });
    std::vector<int64_t> ids;
    for (const auto& run : runs_now) {
      if (run.id == newest->id || (!newest->group_id.empty() && run.group_id == newest->group_id)) {
        ids.push_back(run.id);
      }
    }
    std::sort(ids.begin(), ids.end());
    selection_.set(ids);
    selected_initially_ = true;
  }
}

void Studio::sync() {
  StoreUpdate update = poller_->take_update();
  if (update.health_changed) apply_health(update.health);
  if (update.has_runs) apply_runs(std::move(update.runs));
  model_.merge_points(update.points);
  for (const auto& event : update.events) {
    log_.add(log_level_from_string(event.level),
             "#" + std::to_string(event.run_id) + ": " + event.message, event.time);
  }
  if (update.polled_at > 0) last_poll_ = update.polled_at;
}

bool Studio::wait_for_first_poll(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  poller_->request_poll();
  for (;;) {
    sync();
    const bool answered = last_poll_ > 0 || health_.state == StoreHealth::State::failed ||
                          health_.state == StoreHealth::State::missing;
    if (answered) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Studio::draw_header() {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("multipos studio");
  ImGui::SameLine();
  ImGui::TextDisabled("|  %s", options_.db_path.c_str());
  // Exports, right-aligned: the Curves data while that view is shown, a PNG of any view.
  const ImGuiStyle& style = ImGui::GetStyle();
  const bool curves = active_tab_ == StudioTab::curves;
  const float png_width = ImGui::CalcTextSize("Save PNG").x + style.FramePadding.x * 2;
  const float csv_width = ImGui::CalcTextSize("Export curves CSV").x + style.FramePadding.x * 2;
  const float buttons = png_width + (curves ? csv_width + style.ItemSpacing.x : 0);
  ImGui::SameLine(std::max(0.0f, ImGui::GetWindowContentRegionMax().x - buttons));
  if (curves) {
    if (ImGui::Button("Export curves CSV")) export_curves_csv();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The chart's series for the selected runs as drawn (smoothing applied), one column per run");
    ImGui::SameLine();
  }
  if (ImGui::Button("Save PNG")) request_png();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Save the window as a PNG next to the database (%s/)",
                                                export_directory(options_.db_path).c_str());
  ImGui::Separator();
}

void Studio::draw_panels() {
  // Runs table and log share the top row; the views below get the whole width, because the
  // small multiples and the inspector's per-run columns need it more than the log does.
  const ImGuiStyle& style = ImGui::GetStyle();
  const float splitter_size = std::max(6.0f, style.ItemSpacing.y);
  const float status_height = ImGui::GetFrameHeight() + style.ItemSpacing.y;
  const ImVec2 available = ImGui::GetContentRegionAvail();
  // Vertical budget: top row, splitter, views; item spacing sits between each.
  const float panes_height =
      std::max(100.0f, available.y - status_height - splitter_size - 2 * style.ItemSpacing.y);
  const float min_pane = ImGui::GetFrameHeight() * 4;
  const float top_height = std::round(panes_height * top_fraction_);
  const ImGuiWindowFlags child_flags = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;

  const float row_width = available.x - splitter_size - 2 * style.ItemSpacing.x;
  const float table_width = std::round(row_width * table_fraction_);
  ImGui::BeginChild("##runs", ImVec2(table_width, top_height), true, child_flags);
  runs_table_.draw(model_, selection_);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("##split_top_area", ImVec2(splitter_size, top_height), false, child_flags);
  splitter("##split_top", true, splitter_size, row_width, min_pane * 2, table_fraction_);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("##log", ImVec2(0, top_height), true, child_flags);
  log_panel_.draw(log_);
  ImGui::EndChild();
  splitter("##split_views", false, splitter_size, panes_height, min_pane, top_fraction_);

  ImGui::BeginChild("##views", ImVec2(0, panes_height - top_height), true, child_flags);
  draw_main_tabs();
  ImGui::EndChild();

  draw_status_bar({options_.db_path, health_, model_.runs().size(), model_.point_count(), last_poll_});
}

void Studio::draw_main_tabs() {
  struct Tab {
    StudioTab tab;
    const char* label;
    const char* tooltip;
  };
  static const Tab kTabs[] = {
      {StudioTab::curves, "Curves", "Any recorded series (loss, lr, diag/..., probe/..., eval/...) per run"},
      {StudioTab::mass, "Probability mass", "How each objective spreads softmax mass over a query's positives"},
      {StudioTab::gradient, "Gradient allocation", "Where each objective sends |dL/ds|: positives by rank, negatives"},
      {StudioTab::inspector, "Query inspector", "One probe query's passages with score, p and dL/ds per run"},
      {StudioTab::compare, "Compare", "Final metrics against a baseline with paired significance tests; config differences"},
  };
  if (!ImGui::BeginTabBar("##views")) return;
  for (const Tab& tab : kTabs) {
    const bool requested = has_requested_tab_ && requested_tab_ == tab.tab;
    const bool open = ImGui::BeginTabItem(tab.label, nullptr, requested ? ImGuiTabItemFlags_SetSelected : 0);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tab.tooltip);
    if (!open) continue;
    active_tab_ = tab.tab;
    switch (tab.tab) {
      case StudioTab::curves: chart_.draw(model_, selection_); break;
      case StudioTab::mass: mass_view_.draw(model_, selection_); break;
      case StudioTab::gradient: gradient_view_.draw(model_, selection_); break;
      case StudioTab::inspector: inspector_.draw(model_, selection_); break;
      case StudioTab::compare: compare_.draw(model_, selection_); break;
    }
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
  has_requested_tab_ = false;
}

void Studio::frame() {
  sync();
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                                 ImGuiWindowFlags_NoBringToFrontOnFocus |
                                 ImGuiWindowFlags_NoScrollWithMouse;
  if (ImGui::Begin("##studio", nullptr, flags)) {
    draw_header();
    draw_panels();
    launch_panel_.draw();  // a modal: drawn last, over the panels
  }
  ImGui::End();
  handle_requests();
}

}  // namespace multipos::ui
