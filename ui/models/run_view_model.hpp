// The studio's copy of the run store: the run list and, per run and per series name, the points
// merged from incremental polls. No ImGui here, so merging and listing are unit-tested.
// Thread-safety: owned and used by the UI thread only; the poller hands data over by value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/store/run_store.hpp"

namespace multipos::ui {

// One series of one run, kept sorted by step so plots can binary-search and decimate it.
struct SeriesData {
  std::vector<double> steps;       // x values (steps as double: what the plot consumes)
  std::vector<double> values;
  std::vector<double> wall_times;  // unix seconds, parallel to steps
};

class RunViewModel {
 public:
  // Replaces the run list with the store's latest; runs no longer listed lose their series.
  void set_runs(std::vector<store::RunRecord> runs);
  // Merges points read with scalars_after (row_id ascending). Points of runs not (yet) listed are
  // kept: the run list and the points come from separate queries and may disagree for a moment.
  void merge_points(const std::vector<store::ScalarPoint>& points);

  const std::vector<store::RunRecord>& runs() const { return runs_; }
  const store::RunRecord* find_run(int64_t run_id) const;
  // nullptr when the run has no point of that series.
  const SeriesData* series(int64_t run_id, const std::string& name) const;
  // Series names present for any run / for the given runs: "loss" first, then alphabetical.
  std::vector<std::string> series_names() const;
  std::vector<std::string> series_names(const std::vector<int64_t>& run_ids) const;

  int64_t last_row_id() const { return last_row_id_; }
  std::size_t point_count() const { return point_count_; }
  // Grows on every change; lets panels cache derived data (smoothed curves, sorted rows).
  uint64_t revision() const { return revision_; }

 private:
  using RunSeries = std::map<std::string, SeriesData>;
  static void insert_point(SeriesData& series, const store::ScalarPoint& point);

  std::vector<store::RunRecord> runs_;
  std::unordered_map<int64_t, RunSeries> series_by_run_;
  int64_t last_row_id_ = 0;
  std::size_t point_count_ = 0;
  uint64_t revision_ = 0;
};

// Orders series names for pickers: "loss" first, then alphabetical.
void sort_series_names(std::vector<std::string>& names);

}  // namespace multipos::ui
