// The studio: owns the background store poller, the view model, the selection and the panels,
// and lays them out over the whole viewport each frame. Platform-free: whoever runs the ImGui
// frame loop (GLFW window or the headless platform) calls frame() between NewFrame and Render.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ui/log_panel.hpp"
#include "ui/loss_chart_panel.hpp"
#include "ui/run_selection.hpp"
#include "ui/run_view_model.hpp"
#include "ui/runs_table_panel.hpp"
#include "ui/store_poller.hpp"
#include "ui/studio_log.hpp"

namespace multipos::ui {

struct StudioOptions {
  std::string db_path;
  std::chrono::milliseconds poll_interval{250};
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

 private:
  void apply_runs(std::vector<store::RunRecord> runs);
  void apply_health(const StoreHealth& health);
  void draw_header();
  void draw_panels();

  StudioOptions options_;
  RunViewModel model_;
  RunSelection selection_;
  StudioLog log_;
  StoreHealth health_;
  double last_poll_ = 0;
  bool selected_initially_ = false;
  RunsTablePanel runs_table_;
  LossChartPanel chart_;
  LogPanel log_panel_;
  float runs_fraction_ = 0.36f;   // runs table height / (table + chart)
  float chart_fraction_ = 0.74f;  // chart width / (chart + log)
  std::unique_ptr<StorePoller> poller_;  // last: its thread starts once the rest exists
};

}  // namespace multipos::ui
