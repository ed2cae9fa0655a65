// The Dataset tab: statistics of the selected run's dataset as the run trained on it (label regime
// and noise applied): counts per split, the positives-per-query histogram, grades, label sources,
// known false positives and notes. Loaded and computed by the DatasetCache's worker, never on the
// UI thread; runs sharing a dataset config share the entry. UI thread only.
#pragma once

#include <cstdint>

#include "ui/background/dataset_cache.hpp"
#include "ui/models/run_selection.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

class DatasetPanel {
 public:
  explicit DatasetPanel(DatasetCache& cache) : cache_(cache) {}
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);
  // The entry drawn last frame (nullptr while loading or with no run selected), for tests.
  const LoadedDataset* shown() const { return shown_; }
  int64_t shown_run() const { return shown_run_; }
  // The shown run's dataset is still loading (screenshots render on until it arrives).
  bool waiting() const { return waiting_; }

 private:
  void draw_stats(const LoadedDataset& entry);

  DatasetCache& cache_;
  const LoadedDataset* shown_ = nullptr;
  int64_t shown_run_ = 0;
  bool waiting_ = false;
};

}  // namespace multipos::ui
