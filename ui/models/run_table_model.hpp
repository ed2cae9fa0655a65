// What the runs table derives from the store besides filter and sort: which statuses are shown,
// the ETA of running runs, and which runs differ only in their seed (the curves' seed bands).
// No ImGui here; pure functions, unit-tested. Thread-safety: none needed (pure).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

// The run statuses the table can show, in life-cycle order.
const std::vector<std::string>& run_statuses();

// Which statuses the table shows: one bit per entry of run_statuses(); an unknown status is shown.
class StatusFilter {
 public:
  bool shows(const std::string& status) const;
  void set(const std::string& status, bool shown);
  bool all() const { return hidden_ == 0; }
  unsigned hidden_mask() const { return hidden_; }
  void set_hidden_mask(unsigned mask) { hidden_ = mask & 0x1fu; }

 private:
  unsigned hidden_ = 0;
};

// Seconds left for a running run: the steps still to go at the pace of its last `window` loss
// points (steps per wall-clock second); when the loss series is too short, examples_per_s divided
// by the config's batch.queries. Empty when the run is not running or no pace is known yet.
std::optional<double> estimate_eta(const store::RunRecord& run, const SeriesData* loss,
                                   const SeriesData* examples_per_s, std::size_t window = 50);
// "45 s", "12 min", "3 h 05 min", "2 d 4 h".
std::string format_duration(double seconds);

// Queries per training step from a run's config_json (batch.queries), 0 when it is not there.
int64_t batch_queries(const std::string& config_json);

// Runs whose configs are equal once seed and name are left out: the groups that a seed band
// summarises. Only groups of two or more runs are returned, each in the order given.
std::vector<std::vector<int64_t>> seed_groups(const std::vector<const store::RunRecord*>& runs);
// The comparison key behind seed_groups ("" when the config is not a JSON object).
std::string seed_group_key(const store::RunRecord& run);

}  // namespace multipos::ui
