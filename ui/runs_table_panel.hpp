// The runs table: every run of the store with status, progress, last loss and error; sortable,
// filterable, multi-select (ctrl/shift-click). The selection it edits drives the loss chart.
// Its buttons and row context menu ask for new runs, Stop and Cancel: the panel only records the
// request (take_actions); the studio carries it out through RunControl. UI thread only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ui/run_selection.hpp"
#include "ui/run_view_model.hpp"

namespace multipos::ui {

// A request from the table's buttons or context menu.
struct RunAction {
  enum class Kind { new_runs, stop, cancel } kind = Kind::new_runs;
  int64_t run_id = 0;  // stop / cancel
};

class RunsTablePanel {
 public:
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, RunSelection& selection);
  const std::string& filter() const { return filter_; }
  void set_filter(std::string filter) { filter_ = std::move(filter); }
  // Requests since the last call, in the order they were made.
  std::vector<RunAction> take_actions() { return std::exchange(actions_, {}); }

 private:
  void draw_toolbar(const RunViewModel& model, RunSelection& selection);
  void read_sort_specs();
  void draw_row(const store::RunRecord& run, RunSelection& selection,
                const std::vector<int64_t>& visible_order);

  void request(RunAction::Kind kind, int64_t run_id = 0) { actions_.push_back({kind, run_id}); }
  void draw_row_menu(const store::RunRecord& run);

  std::string filter_;
  std::vector<RunAction> actions_;
  std::size_t shown_count_ = 0;
  std::vector<RunSortKey> sort_keys_{{RunColumn::id, false}};  // newest first until the user sorts
};

}  // namespace multipos::ui
