// The studio: owns the background store poller, the view model, the selection and the panels,
// and lays them out over the whole viewport each frame. Platform-free: whoever runs the ImGui
// frame loop (GLFW window or the headless platform) calls frame() between NewFrame and Render.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ui/gradient_view_panel.hpp"
#include "ui/log_panel.hpp"
#include "ui/loss_chart_panel.hpp"
#include "ui/mass_view_panel.hpp"
#include "ui/query_inspector_panel.hpp"
#include "ui/run_selection.hpp"
#include "ui/run_view_model.hpp"
#include "ui/runs_table_panel.hpp"
#include "ui/store_poller.hpp"
#include "ui/studio_log.hpp"

namespace multipos::ui {

// The views of the main area, one tab each.
enum class StudioTab { curves, mass, gradient, inspector };
// "curves", "mass", "gradient", "inspector" -> tab; false for anything else.
bool parse_studio_tab(const std::string& name, StudioTab& tab);

struct StudioOptions {
  std::string db_path;
  std::chrono::milliseconds poll_interval{250};
  StudioTab initial_tab = StudioTab::curves;
};

class Studio {
 public:
  explicit Studio(StudioOptions options);

  // Merges what the poller read since the last frame, then draws every panel.
  void frame();
  // The merge step alone (frame() calls it); public so tests and screenshots can sync first.
  void sync();
  // Blocks the caller until the poller has delivered a first answer (data or an error), at most
  // `timeout`. Only for screenshots and tests: the interactive loop never waits.
  bool wait_for_first_poll(std::chrono::milliseconds timeout);

  const RunViewModel& model() const { return model_; }
  RunSelection& selection() { return selection_; }
  const StudioLog& log() const { return log_; }
  const StoreHealth& health() const { return health_; }
  RunsTablePanel& runs_table() { return runs_table_; }
  LossChartPanel& chart() { return chart_; }
  MassViewPanel& mass_view() { return mass_view_; }
  GradientViewPanel& gradient_view() { return gradient_view_; }
  QueryInspectorPanel& inspector() { return inspector_; }
  // Brings a tab to the front at the next frame (as a click on it would).
  void show_tab(StudioTab tab) { requested_tab_ = tab; has_requested_tab_ = true; }
  // The tab drawn by the last frame.
  StudioTab active_tab() const { return active_tab_; }

 private:
  void apply_runs(std::vector<store::RunRecord> runs);
  void apply_health(const StoreHealth& health);
  void draw_header();
  void draw_panels();
  void draw_main_tabs();

  StudioOptions options_;
  RunViewModel model_;
  RunSelection selection_;
  StudioLog log_;
  StoreHealth health_;
  double last_poll_ = 0;
  bool selected_initially_ = false;
  RunsTablePanel runs_table_;
  LossChartPanel chart_;
  MassViewPanel mass_view_;
  GradientViewPanel gradient_view_;
  QueryInspectorPanel inspector_;  // owns a worker thread reading probe rows
  StudioTab active_tab_ = StudioTab::curves;
  StudioTab requested_tab_ = StudioTab::curves;
  bool has_requested_tab_ = false;
  LogPanel log_panel_;
  float top_fraction_ = 0.32f;    // top row (runs table, log) height / (top row + views)
  float table_fraction_ = 0.68f;  // runs table width / (table + log)
  std::unique_ptr<StorePoller> poller_;  // last: its thread starts once the rest exists
};

}  // namespace multipos::ui
