// The studio: owns the background store poller, the view model, the selection and the panels,
// and lays them out over the whole viewport each frame. Platform-free: whoever runs the ImGui
// frame loop (GLFW window or the headless platform) calls frame() between NewFrame and Render.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ui/panels/compare_panel.hpp"
#include "ui/background/run_dataset_cache.hpp"
#include "ui/panels/dataset_panel.hpp"
#include "ui/panels/allocation_panel.hpp"
#include "ui/panels/launch_panel.hpp"
#include "ui/panels/log_panel.hpp"
#include "ui/panels/curves_panel.hpp"
#include "ui/panels/query_inspector_panel.hpp"
#include "ui/models/run_selection.hpp"
#include "ui/models/run_view_model.hpp"
#include "ui/background/run_control.hpp"
#include "ui/panels/run_dialogs.hpp"
#include "ui/panels/runs_table_panel.hpp"
#include "ui/panels/study_panel.hpp"
#include "ui/background/store_poller.hpp"
#include "ui/studio_log.hpp"
#include "ui/models/studio_settings.hpp"

namespace multipos::ui {

// The views of the main area, one tab each.
enum class StudioTab { curves, mass, gradient, inspector, compare, dataset, study };
// "curves", "mass", "gradient", "inspector", "compare", "dataset", "study" -> tab; false for anything else.
bool parse_studio_tab(const std::string& name, StudioTab& tab);
const char* studio_tab_name(StudioTab tab);

struct StudioOptions {
  std::string db_path;
  std::chrono::milliseconds poll_interval{250};
  StudioTab initial_tab = StudioTab::curves;
  // Creating runs needs the CLI's config resolution, which links LibTorch: the app injects it.
  // (Braced defaults keep `StudioOptions{db, interval}` free of missing-initializer warnings.)
  RunFactory run_factory{};
  std::string assets_dir{};          // "" = found next to the executable (see find_assets_dir)
  std::string worker_executable{};   // "" = this executable
  bool hand_over_queue_on_exit = true;
  // The studio's settings file (studio_settings.hpp): read at start, written when they change and
  // at exit. "" = none (tests); the app passes default_config_path("studio.json").
  std::string settings_path{};
};

class Studio {
 public:
  explicit Studio(StudioOptions options);
  ~Studio();  // writes the settings when there is a settings file
  Studio(const Studio&) = delete;
  Studio& operator=(const Studio&) = delete;

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
  CurvesPanel& chart() { return chart_; }
  AllocationPanel& mass_view() { return mass_view_; }
  AllocationPanel& gradient_view() { return gradient_view_; }
  QueryInspectorPanel& inspector() { return inspector_; }
  ComparePanel& compare() { return compare_; }
  LaunchPanel& launch_panel() { return launch_panel_; }
  DatasetPanel& dataset_view() { return dataset_panel_; }
  RunDatasetCache& datasets() { return datasets_; }
  RunDialogs& dialogs() { return dialogs_; }
  // The settings as they are now (what a save writes).
  StudioSettings current_settings() const;
  // Keyboard shortcuts of the studio: (keys, what they do), as the Help menu lists them.
  static const std::vector<std::pair<const char*, const char*>>& shortcuts();
  RunControl& run_control() { return *run_control_; }
  // Exports the Curves chart's data (as drawn) next to the database; logs the path.
  void export_curves_csv();
  void export_curves_svg();
  // Asks for a PNG of the next rendered frame (what the "Save PNG" button does); returns its path.
  std::string request_png();
  // The frame loop's side of a PNG request: the path to write after rendering, once.
  std::optional<std::string> take_png_request() { return std::exchange(png_request_, std::nullopt); }
  // The frame loop reports whether writing the PNG worked; the studio logs it.
  void png_written(const std::string& path, bool ok, const std::string& error);
  // Brings a tab to the front at the next frame (as a click on it would).
  void show_tab(StudioTab tab) { requested_tab_ = tab; has_requested_tab_ = true; }
  // The tab drawn by the last frame.
  StudioTab active_tab() const { return active_tab_; }
  // The shown view still waits for a background answer (screenshots render on until it arrives).
  bool view_loading() const;

 private:
  void apply_runs(std::vector<store::RunRecord> runs);
  void apply_health(const StoreHealth& health);
  void draw_header();
  void draw_panels();
  void draw_main_tabs();
  void handle_requests();
  void handle_run_action(const RunAction& action);
  void handle_shortcuts();
  void draw_help();
  void apply_settings(const StudioSettings& settings);
  void save_settings_if_changed(bool force);
  std::vector<const store::RunRecord*> selected_runs() const;
  void write_file(const ExportFile& file, const std::string& what);

  StudioOptions options_;
  RunViewModel model_;
  RunSelection selection_;
  StudioLog log_;
  StoreHealth health_;
  double last_poll_ = 0;
  bool selected_initially_ = false;
  RunsTablePanel runs_table_;
  CurvesPanel chart_;
  AllocationPanel mass_view_{AllocationKind::probability_mass};
  AllocationPanel gradient_view_{AllocationKind::gradient};
  RunDatasetCache datasets_;       // owns a worker thread reading runs' stored dataset records (before its users)
  QueryInspectorPanel inspector_;  // owns a worker thread reading probe rows
  DatasetPanel dataset_panel_;
  std::unique_ptr<StudyPanel> study_panel_;  // created when the Study tab is first shown
  ComparePanel compare_;           // owns a worker thread reading evaluations and testing
  LaunchPanel launch_panel_;
  RunDialogs dialogs_;
  std::string saved_settings_;     // JSON of the settings last written
  double settings_checked_at_ = 0;  // ImGui time of the last comparison
  std::vector<int64_t> select_when_listed_;  // runs just launched, selected once the poller lists them
  std::optional<std::string> png_request_;
  StudioTab active_tab_ = StudioTab::curves;
  StudioTab requested_tab_ = StudioTab::curves;
  bool has_requested_tab_ = false;
  LogPanel log_panel_;
  float top_fraction_ = 0.32f;    // top row (runs table, log) height / (top row + views)
  float table_fraction_ = 0.68f;  // runs table width / (table + log)
  std::unique_ptr<RunControl> run_control_;  // its thread idles until something is launched or stopped
  std::unique_ptr<StorePoller> poller_;  // last: its thread starts once the rest exists
};

}  // namespace multipos::ui
