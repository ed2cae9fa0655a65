// The Compare tab: the selected runs' final metrics side by side with deltas to a baseline run,
// paired t-test and randomization p-values and win/tie/loss counts per metric (significant cells
// tinted), the config fields in which the runs differ below, and CSV / Markdown export of the
// table. The numbers are computed by CompareCache's worker; this panel only asks and draws.
// UI thread only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ui/background/compare_cache.hpp"
#include "ui/export_files.hpp"
#include "ui/models/run_selection.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

class ComparePanel {
 public:
  explicit ComparePanel(std::string db_path);

  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);
  // Sends a new request when the selection, the baseline or the runs' progress changed; draw()
  // calls it, tests call it to drive the worker without drawing.
  void update(const RunViewModel& model, const RunSelection& selection, double now_seconds);

  // Picks the baseline (0 = back to the default: the group's bm25 run, else the first run).
  void set_baseline(int64_t run_id) { chosen_baseline_ = run_id; }
  int64_t baseline() const { return baseline_; }
  void set_diff_includes_baselines(bool include) { diff_includes_baselines_ = include; }
  const CompareResult* result() const { return cache_.result(); }
  bool busy() const { return cache_.busy(); }

  // Queues the current table as a CSV or Markdown export (as the toolbar buttons do).
  void export_table(bool markdown);
  // Exports asked for since the last call; the studio writes them next to the database.
  std::vector<ExportFile> take_exports() { return std::exchange(exports_, {}); }

 private:
  void draw_toolbar(const RunViewModel& model);
  void draw_table(const CompareResult& result, float height);
  void draw_metric_cell(const MetricCell& cell, bool is_baseline) const;
  void draw_diff(const RunViewModel& model, const CompareResult& result);

  CompareCache cache_;
  int64_t chosen_baseline_ = 0;
  int64_t baseline_ = 0;
  bool diff_includes_baselines_ = false;
  std::vector<int64_t> candidates_;
  std::string sent_key_;        // what the last request compared (ids, statuses, baseline, diff)
  std::string sent_steps_;      // the runs' last steps at that request
  double sent_at_ = -1e9;
  std::vector<ExportFile> exports_;
};

}  // namespace multipos::ui
