// The Dataset tab: statistics of the selected run's dataset as the run trained on it (label regime
// and noise applied): counts per split, the positives-per-query histogram, grades, label sources,
// known false positives and notes. Read from the run store (stored by the worker when the run
// started) by the RunDatasetCache's worker, never on the UI thread, so it shows even when the
// dataset's files are gone; a run recorded before the store kept them says how to add them.
// UI thread only.
#pragma once

#include <cstdint>
#include <map>

#include "ui/background/run_dataset_cache.hpp"
#include "ui/models/run_selection.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

class DatasetPanel {
 public:
  explicit DatasetPanel(RunDatasetCache& cache) : cache_(cache) {}
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);
  // The entry drawn last frame (nullptr while reading or with no run selected), for tests.
  const RunDataset* shown() const { return shown_; }
  int64_t shown_run() const { return shown_run_; }
  // The shown run's record is still being read (screenshots render on until it arrives).
  bool waiting() const { return waiting_; }

 private:
  void draw_stats(const RunDataset& entry);
  void draw_missing(const store::RunRecord& run);

  RunDatasetCache& cache_;
  const RunDataset* shown_ = nullptr;
  std::map<int64_t, int64_t> refreshed_at_step_;  // run -> its last_step when last re-read
  int64_t shown_run_ = 0;
  bool waiting_ = false;
};

}  // namespace multipos::ui
