// What the runs table shows and which runs are selected: text filter, column sort and
// file-manager style multi-selection. No ImGui here: the table panel feeds clicks and sort specs in.
// Thread-safety: UI thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"

namespace multipos::ui {

// Columns of the runs table, also the sort keys.
enum class RunColumn { id, status, name, objective, dataset, steps, last_loss, started, error, eta, tags, gpus };

struct RunSortKey {
  RunColumn column = RunColumn::id;
  bool ascending = true;
};

// True when every whitespace-separated word of `filter` occurs (case-insensitively) in the run's
// name, status, objective, dataset, tags or id. An empty filter matches everything.
bool run_matches_filter(const store::RunRecord& run, const std::string& filter);

// Runs passing the filter, ordered by the keys (first key wins; ties keep id order).
std::vector<const store::RunRecord*> visible_runs(const std::vector<store::RunRecord>& runs,
                                                  const std::string& filter,
                                                  const std::vector<RunSortKey>& keys);

class RunSelection {
 public:
  // A plain click selects only this run, ctrl toggles it, shift selects the range from the last
  // clicked run to this one in `visible_order` (ctrl+shift adds that range to the selection).
  void click(int64_t run_id, bool ctrl, bool shift, const std::vector<int64_t>& visible_order);
  void set(std::vector<int64_t> run_ids);
  // Forgets runs that are no longer in the store.
  void retain(const std::vector<store::RunRecord>& runs);

  bool contains(int64_t run_id) const;
  bool empty() const { return ids_.empty(); }
  const std::vector<int64_t>& ids() const { return ids_; }  // in the order they were selected

 private:
  void add(int64_t run_id);

  std::vector<int64_t> ids_;
  int64_t anchor_ = 0;  // last plainly or ctrl-clicked run, start of shift ranges
};

}  // namespace multipos::ui
