#include "ui/studio.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <thread>
#include <unordered_map>
#include <utility>

#include <imgui.h>

#include "core/runs/process.hpp"
#include "core/util/assets.hpp"
#include "ui/plot/palette.hpp"
#include "ui/splitter.hpp"
#include "ui/panels/status_bar.hpp"

namespace multipos::ui {

namespace {

const std::pair<const char*, StudioTab> kTabNames[] = {
    {"curves", StudioTab::curves},       {"mass", StudioTab::mass},         {"gradient", StudioTab::gradient},
    {"inspector", StudioTab::inspector}, {"compare", StudioTab::compare},   {"dataset", StudioTab::dataset},
    {"study", StudioTab::study}};

// The tabs in the order the tab bar (and the 1-7 keys) show them.
const StudioTab kTabOrder[] = {StudioTab::curves,  StudioTab::mass,    StudioTab::gradient, StudioTab::inspector,
                               StudioTab::compare, StudioTab::dataset, StudioTab::study};

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
      datasets_(options_.db_path),
      inspector_(options_.db_path, &datasets_),
      dataset_panel_(datasets_),
      compare_(options_.db_path),
      launch_panel_(util::find_assets_dir(options_.assets_dir, this_executable()), &options_.run_factory),
      requested_tab_(options_.initial_tab),
      has_requested_tab_(options_.initial_tab != StudioTab::curves),
      run_control_(std::make_unique<RunControl>(run_control_options(options_))),
      poller_(std::make_unique<StorePoller>(options_.db_path, options_.poll_interval)) {
  log_.add(LogLevel::info, "Studio reading " + options_.db_path);
  if (!options_.settings_path.empty()) {
    apply_settings(load_settings(options_.settings_path));
    saved_settings_ = settings_to_json(current_settings()).dump();
  }
}

Studio::~Studio() { save_settings_if_changed(true); }

bool Studio::view_loading() const {
  if (active_tab_ == StudioTab::compare) return compare_.busy() || !compare_.result();
  if (active_tab_ == StudioTab::dataset) return dataset_panel_.waiting();
  if (active_tab_ == StudioTab::inspector) return datasets_.loading();  // texts from the store
  return false;
}

StudioSettings Studio::current_settings() const {
  StudioSettings settings;
  settings.tab = studio_tab_name(active_tab_);
  settings.series = chart_.series_name();
  settings.smoothing = chart_.smoothing();
  settings.x_axis = x_axis_name(chart_.x_axis());
  settings.log_y = chart_.plot().log_y();
  settings.seed_bands = chart_.seed_bands();
  settings.filter = runs_table_.filter();
  settings.hidden_statuses = runs_table_.status_filter().hidden_mask();
  settings.top_fraction = top_fraction_;
  settings.table_fraction = table_fraction_;
  settings.positives = split_token(mass_view_.state().options().split);
  return settings;
}

void Studio::apply_settings(const StudioSettings& settings) {
  StudioTab tab = StudioTab::curves;
  // An explicit --tab wins over the remembered one.
  if (options_.initial_tab == StudioTab::curves && parse_studio_tab(settings.tab, tab) && tab != StudioTab::curves) {
    show_tab(tab);
  }
  chart_.set_series_name(settings.series);
  chart_.set_smoothing(settings.smoothing);
  XAxis axis = XAxis::step;
  if (parse_x_axis(settings.x_axis, axis)) chart_.set_x_axis(axis);
  chart_.plot().set_log_y(settings.log_y);
  chart_.set_seed_bands(settings.seed_bands);
  runs_table_.set_filter(settings.filter);
  runs_table_.status_filter().set_hidden_mask(settings.hidden_statuses);
  top_fraction_ = settings.top_fraction;
  table_fraction_ = settings.table_fraction;
  PositiveSplit split = PositiveSplit::by_rank;
  if (parse_split(settings.positives, split)) {
    mass_view_.state().options().split = split;
    gradient_view_.state().options().split = split;
  }
}

void Studio::save_settings_if_changed(bool force) {
  if (options_.settings_path.empty()) return;
  // Comparing costs a small JSON dump: at most twice a second, and always at exit.
  const double now = ImGui::GetCurrentContext() ? ImGui::GetTime() : 0;
  if (!force && now - settings_checked_at_ < 0.5) return;
  settings_checked_at_ = now;
  const StudioSettings settings = current_settings();
  const std::string text = settings_to_json(settings).dump();
  if (text == saved_settings_) return;
  std::string error;
  if (save_settings(options_.settings_path, settings, error)) saved_settings_ = text;
  else if (!force) log_.add(LogLevel::warning, "Settings not saved: " + error);
  if (!force && !error.empty()) saved_settings_ = text;  // report a failing path once, not every frame
}

std::vector<const store::RunRecord*> Studio::selected_runs() const {
  std::vector<const store::RunRecord*> runs;
  for (int64_t id : selection_.ids()) {
    if (const store::RunRecord* run = model_.find_run(id)) runs.push_back(run);
  }
  return runs;
}

const std::vector<std::pair<const char*, const char*>>& Studio::shortcuts() {
  static const std::vector<std::pair<const char*, const char*>> keys = {
      {"Ctrl+N", "New runs..."},
      {"Ctrl+D", "Duplicate the selected run and edit it"},
      {"Ctrl+F", "Filter the runs table"},
      {"Ctrl+A", "Select every run shown"},
      {"Space", "Stop the selected running runs / resume the stopped or failed ones"},
      {"Del", "Delete the selected runs (asks first)"},
      {"1 ... 7", "Curves, Probability mass, Gradient allocation, Query inspector, Compare, Dataset, Study"},
      {"Esc", "Close a dialog"},
  };
  return keys;
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

void Studio::export_curves_svg() {
  auto columns = chart_columns(model_, selection_.ids(), chart_.series_name(), chart_.smoothing());
  const auto& hidden = chart_.plot().hidden();  // what the legend hides stays out of the picture
  columns.erase(std::remove_if(columns.begin(), columns.end(),
                               [&](const CurveColumn& column) { return hidden.count(column.label) > 0; }),
                columns.end());
  if (columns.empty()) {
    log_.add(LogLevel::warning, "Nothing to export: no shown run has points of " + chart_.series_name());
    return;
  }
  std::vector<uint32_t> colors;
  for (const auto& column : columns) {
    const ImU32 color = plot::run_color(column.run_id);  // packed A,B,G,R
    colors.push_back(((color & 0xFFu) << 16) | (color & 0xFF00u) | ((color >> 16) & 0xFFu));
  }
  SvgOptions options;
  options.title = chart_.series_name() + (chart_.smoothing() > 0.001f ? " (smoothed)" : "");
  options.y_label = chart_.series_name();
  write_file({"curves-" + chart_.series_name(), "svg", curves_svg(columns, colors, options)},
             chart_.series_name() + " chart as SVG (" + std::to_string(columns.size()) + " runs)");
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
  std::vector<const store::RunRecord*> to_delete;
  for (const RunAction& action : runs_table_.take_actions()) {
    if (action.kind != RunAction::Kind::remove) {
      handle_run_action(action);
    } else if (const store::RunRecord* run = model_.find_run(action.run_id)) {
      to_delete.push_back(run);  // one confirmation for every run asked for in this frame
    }
  }
  if (!to_delete.empty()) dialogs_.confirm_delete(to_delete);
  if (auto notes = dialogs_.take_notes()) run_control_->set_notes(notes->run_id, notes->tags, notes->notes);
  for (int64_t run_id : dialogs_.take_deletions()) run_control_->remove(run_id);
  bool changed_runs = false;
  for (auto& message : run_control_->take_messages()) {
    log_.add(message.level, std::move(message.text));
    changed_runs = true;
  }
  const std::vector<int64_t> created = run_control_->take_created();
  select_when_listed_.insert(select_when_listed_.end(), created.begin(), created.end());
  if (changed_runs) poller_->request_poll();  // show new, started or stopped runs at once
}

void Studio::handle_run_action(const RunAction& action) {
  const store::RunRecord* run = model_.find_run(action.run_id);
  switch (action.kind) {
    case RunAction::Kind::new_runs: launch_panel_.open(); break;
    case RunAction::Kind::stop: run_control_->stop(action.run_id); break;
    case RunAction::Kind::cancel: run_control_->cancel(action.run_id); break;
    case RunAction::Kind::resume: run_control_->resume(action.run_id); break;
    case RunAction::Kind::remove: break;  // collected by handle_requests for one confirmation
    case RunAction::Kind::edit_notes:
      if (run) dialogs_.edit_notes(*run);
      break;
    case RunAction::Kind::duplicate:
      if (run && !launch_panel_.duplicate(*run)) {
        log_.add(LogLevel::warning, "Run #" + std::to_string(run->id) + " has no readable config to duplicate");
      }
      break;
  }
}

void Studio::handle_shortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  // Typing in a field, or a dialog being open, owns the keyboard.
  if (io.WantTextInput || launch_panel_.is_open() || dialogs_.is_open() || ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopup)) return;
  auto pressed = [](ImGuiKey key) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key), false); };
  auto letter = [](char c) { return ImGui::IsKeyPressed(static_cast<int>(c), false) ||
                                    ImGui::IsKeyPressed(static_cast<int>(c - 'A' + 'a'), false); };
  const std::vector<const store::RunRecord*> selected = selected_runs();
  if (io.KeyCtrl && letter('N')) launch_panel_.open();
  if (io.KeyCtrl && letter('F')) runs_table_.focus_filter();
  if (io.KeyCtrl && letter('A')) selection_.set(runs_table_.visible_order());
  if (io.KeyCtrl && letter('D') && selected.size() == 1) handle_run_action({RunAction::Kind::duplicate, selected.front()->id});
  if (pressed(ImGuiKey_Delete) && !selected.empty()) dialogs_.confirm_delete(selected);
  if (pressed(ImGuiKey_Space)) {
    for (const auto* run : selected) {
      if (run->status == "running" || run->status == "queued") run_control_->stop(run->id);
      else if (run->status == "stopped" || run->status == "failed") run_control_->resume(run->id);
    }
  }
  if (!io.KeyCtrl && !io.KeyAlt) {
    for (int i = 0; i < static_cast<int>(std::size(kTabOrder)); ++i) {
      if (ImGui::IsKeyPressed('1' + i, false)) show_tab(kTabOrder[i]);
    }
  }
}

void Studio::draw_help() {
  if (ImGui::Button("Help")) ImGui::OpenPopup("##help");
  if (!ImGui::BeginPopup("##help")) return;
  ImGui::TextUnformatted("Keyboard shortcuts");
  ImGui::Separator();
  if (ImGui::BeginTable("##shortcuts", 2, ImGuiTableFlags_SizingFixedFit)) {
    for (const auto& [keys, what] : shortcuts()) {
      ImGui::TableNextColumn();
      ImGui::TextColored(ImVec4(0.6f, 0.8f, 1.0f, 1.0f), "%s", keys);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(what);
    }
    ImGui::EndTable();
  }
  ImGui::Separator();
  ImGui::TextDisabled("Right-click a run for its menu. Chart: wheel zooms, drag pans, double-click fits.");
  ImGui::TextDisabled("Layout: %s; settings: %s", ImGui::GetIO().IniFilename ? ImGui::GetIO().IniFilename : "not saved",
                      options_.settings_path.empty() ? "not saved" : options_.settings_path.c_str());
  ImGui::EndPopup();
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
  const float csv_width = ImGui::CalcTextSize("Export curves CSV").x + ImGui::CalcTextSize("SVG").x +
                          style.FramePadding.x * 4 + style.ItemSpacing.x;
  const float help_width = ImGui::CalcTextSize("Help").x + style.FramePadding.x * 2 + style.ItemSpacing.x;
  const float buttons = help_width + png_width + (curves ? csv_width + style.ItemSpacing.x : 0);
  ImGui::SameLine(std::max(0.0f, ImGui::GetWindowContentRegionMax().x - buttons));
  if (curves) {
    if (ImGui::Button("Export curves CSV")) export_curves_csv();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The chart's series for the selected runs as drawn (smoothing applied), one column per run");
    ImGui::SameLine();
    if (ImGui::Button("SVG")) export_curves_svg();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The chart as an SVG picture by step, with its legend and axis labels (runs hidden in the legend left out)");
    ImGui::SameLine();
  }
  if (ImGui::Button("Save PNG")) request_png();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Save the window as a PNG next to the database (%s/)",
                                                export_directory(options_.db_path).c_str());
  ImGui::SameLine();
  draw_help();
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
      {StudioTab::dataset, "Dataset", "The selected run's dataset: positives per query, grades, label sources, false positives"},
      {StudioTab::study, "Study", "Robustness studies: every objective over label regimes, noise rates and seeds, with the report"},
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
      case StudioTab::dataset: dataset_panel_.draw(model_, selection_); break;
      case StudioTab::study:
        if (!study_panel_)
          study_panel_ = std::make_unique<StudyPanel>(
              options_.db_path, options_.worker_executable.empty() ? this_executable() : options_.worker_executable);
        study_panel_->draw();
        break;
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
    handle_shortcuts();
    draw_header();
    draw_panels();
    launch_panel_.draw();  // modals: drawn last, over the panels
    dialogs_.draw();
  }
  ImGui::End();
  handle_requests();
  save_settings_if_changed(false);
}

}  // namespace multipos::ui
