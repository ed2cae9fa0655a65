#include "ui/studio.hpp"

#include <algorithm>
#include <cmath>
#include <thread>
#include <unordered_map>

#include <imgui.h>

#include "ui/splitter.hpp"
#include "ui/status_bar.hpp"

namespace multipos::ui {

bool parse_studio_tab(const std::string& name, StudioTab& tab) {
  static const std::pair<const char*, StudioTab> kTabs[] = {
      {"curves", StudioTab::curves}, {"mass", StudioTab::mass},
      {"gradient", StudioTab::gradient}, {"inspector", StudioTab::inspector}};
  for (const auto& [text, value] : kTabs) {
    if (name == text) {
      tab = value;
      return true;
    }
  }
  return false;
}

Studio::Studio(StudioOptions options)
    : options_(std::move(options)),
      inspector_(options_.db_path),
      requested_tab_(options_.initial_tab),
      has_requested_tab_(options_.initial_tab != StudioTab::curves),
      poller_(std::make_unique<StorePoller>(options_.db_path, options_.poll_interval)) {
  log_.add(LogLevel::info, "Studio reading " + options_.db_path);
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
  }
  ImGui::End();
}

}  // namespace multipos::ui
