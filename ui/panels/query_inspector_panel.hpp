// The query inspector: pick one probe query (searchable list of the selected runs' probe query
// ids) and a probe step (slider, following the latest step until moved), and read its passages,
// positives first, with grade, label source and false-positive flag, and per selected run the
// score, the probability p (with a bar) and dL/ds at that step. Rows come from a ProbeCache, so
// the UI thread never waits on SQLite: cells fill in when the worker answers. With a
// RunDatasetCache, the query's and passages' texts and the relevance marks come from what the
// worker stored with the run (read off the UI thread; the dataset's files are never read), and the
// retrieved list of each run (stored at dev evaluations) shows below the table. UI thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ui/background/run_dataset_cache.hpp"
#include "ui/background/probe_cache.hpp"
#include "ui/models/query_inspector_model.hpp"
#include "ui/models/run_selection.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

class QueryInspectorPanel {
 public:
  // `datasets` may be null: then ids only, no texts or relevance marks.
  explicit QueryInspectorPanel(std::string db_path, RunDatasetCache* datasets = nullptr)
      : cache_(std::move(db_path)), datasets_(datasets) {}

  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, const RunSelection& selection);

  const std::string& query() const { return query_; }
  void set_query(std::string query_id) { query_ = std::move(query_id); }
  // -1 follows the latest probe step.
  void set_step(int64_t step) { step_ = step; }
  int64_t shown_step() const { return shown_step_; }
  ProbeCache& cache() { return cache_; }
  // The table drawn last frame (for tests).
  const InspectorTable& table() const { return table_; }
  // The stored record whose texts were shown last frame (nullptr: none read yet), for tests.
  const RunDataset* dataset() const { return dataset_; }
  // Retrieved rows shown last frame, one list per selected run (empty: none stored), for tests.
  const std::vector<std::vector<store::RetrievedRow>>& retrieved() const { return retrieved_shown_; }

 private:
  struct RunColumn {
    int64_t run_id = 0;
    int64_t step = -1;  // the run's probe step shown (at or before the chosen step), -1 = none
    std::string title;
  };

  void draw_query_list(const std::vector<std::string>& query_ids);
  void draw_step_bar(const std::vector<int64_t>& steps);
  void draw_table(const std::vector<RunColumn>& columns);
  void draw_totals_row(const std::vector<RunColumn>& columns);
  void draw_passage_row(const InspectorRow& row, const std::vector<RunColumn>& columns);
  void keep_indexes_fresh(const RunViewModel& model, const std::vector<int64_t>& run_ids);
  const RunDataset* find_dataset(const std::vector<int64_t>& run_ids);
  void draw_retrieved(const std::vector<RunColumn>& columns);
  // The retrieved list of each run at the latest dev evaluation at or before the shown step.
  void gather_retrieved(const std::vector<int64_t>& run_ids);
  // The query's id, passage count and text, or why there is none.
  void draw_query_header(const std::vector<int64_t>& run_ids, const std::string& index_error, bool loading);
  void draw_retrieved_row(const store::RetrievedRow& row);

  ProbeCache cache_;
  RunDatasetCache* datasets_;
  const RunDataset* dataset_ = nullptr;
  std::string dataset_error_;  // why texts are missing (a read failure, or none stored), "" otherwise
  std::vector<std::vector<store::RetrievedRow>> retrieved_shown_;
  std::vector<int64_t> retrieved_steps_shown_;
  std::string query_;
  std::string filter_;
  int64_t step_ = -1;        // chosen step, -1 = latest
  int64_t shown_step_ = -1;  // the step drawn last frame
  InspectorTable table_;
};

}  // namespace multipos::ui
