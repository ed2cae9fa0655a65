// The runs table: every run of the store with status, progress, last loss and error; sortable,
// filterable, multi-select (ctrl/shift-click). The selection it edits drives the loss chart.
// UI thread only.
#pragma once

#include <string>
#include <vector>

#include "ui/run_selection.hpp"
#include "ui/run_view_model.hpp"

namespace multipos::ui {

class RunsTablePanel {
 public:
  // Draws into the current window/child, filling the available region.
  void draw(const RunViewModel& model, RunSelection& selection);
  const std::string& filter() const { return filter_; }
  void set_filter(std::string filter) { filter_ = std::move(filter); }

 private:
  void draw_toolbar(const RunViewModel& model, RunSelection& selection);
  void read_sort_specs();
  void draw_row(const store::RunRecord& run, RunSelection& selection,
                const std::vector<int64_t>& visible_order);

  std::string filter_;
  std::size_t shown_count_ = 0;
  std::vector<RunSortKey> sort_keys_{{RunColumn::id, false}};  // newest first until the user sorts
};

}  // namespace multipos::ui
