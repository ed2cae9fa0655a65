// The runs table: every run of the store with status, progress, ETA, last loss, tags and error;
// sortable, filterable by text and status, multi-select (ctrl/shift-click). The selection it
// edits drives the views. Its buttons and row context menu ask for new runs, stop, resume,
// cancel, delete, duplicate-and-edit and tags/notes: the panel only records the request
// (take_actions); the studio carries it out (dialogs, RunControl). UI thread only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ui/models/run_selection.hpp"
#include "ui/models/run_table_model.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

// A request from the table's buttons or context menu.
struct RunAction {
  enum class Kind { new_runs, stop, cancel, resume, remove, duplicate, edit_notes } kind = Kind::new_runs;
  int64_t run_id = 0;  // every kind but new_runs
};

class RunsTablePanel {
 public:
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, RunSelection& selection);
  const std::string& filter() const { return filter_; }
  void set_filter(std::string filter) { filter_ = std::move(filter); }
  StatusFilter& status_filter() { return status_filter_; }
  const StatusFilter& status_filter() const { return status_filter_; }
  // Puts the keyboard focus into the filter box at the next draw (Ctrl+F).
  void focus_filter() { focus_filter_ = true; }
  // The runs the table listed last frame, in display order.
  const std::vector<int64_t>& visible_order() const { return visible_order_; }
  // Requests since the last call, in the order they were made.
  std::vector<RunAction> take_actions() { return std::exchange(actions_, {}); }

 private:
  void draw_toolbar(const RunViewModel& model, RunSelection& selection);
  void read_sort_specs();
  void draw_status_filter(const RunViewModel& model);
  void draw_row(const RunViewModel& model, const store::RunRecord& run, RunSelection& selection);

  void request(RunAction::Kind kind, int64_t run_id = 0) { actions_.push_back({kind, run_id}); }
  void draw_row_menu(const store::RunRecord& run);

  std::string filter_;
  StatusFilter status_filter_;
  bool focus_filter_ = false;
  std::vector<int64_t> visible_order_;
  std::vector<RunAction> actions_;
  std::size_t shown_count_ = 0;
  std::vector<RunSortKey> sort_keys_{{RunColumn::id, false}};  // newest first until the user sorts
};

}  // namespace multipos::ui
