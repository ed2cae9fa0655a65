#include "ui/models/run_view_model.hpp"

#include <algorithm>
#include <iterator>
#include <set>

namespace multipos::ui {

void RunViewModel::set_runs(std::vector<store::RunRecord> runs) {
  runs_ = std::move(runs);
  std::set<int64_t> listed;
  for (const auto& run : runs_) listed.insert(run.id);
  // A deleted run must not keep its curve on screen; series of runs listed later are kept.
  int64_t newest_listed = listed.empty() ? 0 : *listed.rbegin();
  for (auto it = series_by_run_.begin(); it != series_by_run_.end();) {
    const bool deleted = it->first <= newest_listed && listed.count(it->first) == 0;
    if (deleted) {
      for (const auto& entry : it->second) point_count_ -= entry.second.steps.size();
      it = series_by_run_.erase(it);
    } else {
      ++it;
    }
  }
  ++revision_;
}

void RunViewModel::insert_point(SeriesData& series, const store::ScalarPoint& point) {
  const double step = static_cast<double>(point.step);
  if (series.steps.empty() || series.steps.back() <= step) {  // the common case: appended in order
    series.steps.push_back(step);
    series.values.push_back(point.value);
    series.wall_times.push_back(point.wall_time);
    return;
  }
  // A resumed run may rewrite earlier steps: keep the series sorted for binary search.
  const auto position = std::upper_bound(series.steps.begin(), series.steps.end(), step);
  const auto offset = std::distance(series.steps.begin(), position);
  series.steps.insert(position, step);
  series.values.insert(series.values.begin() + offset, point.value);
  series.wall_times.insert(series.wall_times.begin() + offset, point.wall_time);
}

void RunViewModel::merge_points(const std::vector<store::ScalarPoint>& points) {
  if (points.empty()) return;
  for (const auto& point : points) {
    if (point.row_id <= last_row_id_) continue;  // already merged (overlapping polls)
    insert_point(series_by_run_[point.run_id][point.name], point);
    last_row_id_ = point.row_id;
    ++point_count_;
  }
  ++revision_;
}

const store::RunRecord* RunViewModel::find_run(int64_t run_id) const {
  for (const auto& run : runs_) {
    if (run.id == run_id) return &run;
  }
  return nullptr;
}

const SeriesData* RunViewModel::series(int64_t run_id, const std::string& name) const {
  const auto run = series_by_run_.find(run_id);
  if (run == series_by_run_.end()) return nullptr;
  const auto found = run->second.find(name);
  return found == run->second.end() ? nullptr : &found->second;
}

std::vector<std::string> RunViewModel::series_names() const {
  std::set<std::string> names;
  for (const auto& run : series_by_run_) {
    for (const auto& entry : run.second) names.insert(entry.first);
  }
  std::vector<std::string> result(names.begin(), names.end());
  sort_series_names(result);
  return result;
}

std::vector<std::string> RunViewModel::series_names(const std::vector<int64_t>& run_ids) const {
  std::set<std::string> names;
  for (int64_t run_id : run_ids) {
    const auto run = series_by_run_.find(run_id);
    if (run == series_by_run_.end()) continue;
    for (const auto& entry : run->second) names.insert(entry.first);
  }
  std::vector<std::string> result(names.begin(), names.end());
  sort_series_names(result);
  return result;
}

void sort_series_names(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    if ((a == "loss") != (b == "loss")) return a == "loss";
    return a < b;
  });
}

}  // namespace multipos::ui
