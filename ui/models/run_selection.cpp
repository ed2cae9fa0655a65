#include "ui/models/run_selection.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace multipos::ui {

namespace {

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Compares two runs on one column: negative, zero or positive like strcmp.
int compare_on(const store::RunRecord& a, const store::RunRecord& b, RunColumn column) {
  auto order = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (column) {
    case RunColumn::id: return order(a.id, b.id);
    case RunColumn::status: return order(a.status, b.status);
    case RunColumn::name: return order(lowercase(a.name), lowercase(b.name));
    case RunColumn::objective: return order(a.objective, b.objective);
    case RunColumn::dataset: return order(a.dataset, b.dataset);
    case RunColumn::steps: return order(a.last_step, b.last_step);
    case RunColumn::last_loss: return order(a.last_step < 0 ? 0.0 : a.last_loss,
                                            b.last_step < 0 ? 0.0 : b.last_loss);
    case RunColumn::started: return order(a.started_at, b.started_at);
    case RunColumn::error: return order(a.error, b.error);
    case RunColumn::tags: return order(lowercase(a.tags), lowercase(b.tags));
    case RunColumn::gpus: return order(a.gpus, b.gpus);
    case RunColumn::eta: return 0;  // needs the series: the table does not sort on it
  }
  return 0;
}

}  // namespace

bool run_matches_filter(const store::RunRecord& run, const std::string& filter) {
  const std::string haystack = lowercase(run.name + ' ' + run.status + ' ' + run.objective + ' ' +
                                         run.dataset + ' ' + run.tags + " #" +
                                         std::to_string(run.id));
  std::istringstream words(lowercase(filter));
  std::string word;
  while (words >> word) {
    if (haystack.find(word) == std::string::npos) return false;
  }
  return true;
}

std::vector<const store::RunRecord*> visible_runs(const std::vector<store::RunRecord>& runs,
                                                  const std::string& filter,
                                                  const std::vector<RunSortKey>& keys) {
  std::vector<const store::RunRecord*> rows;
  for (const auto& run : runs) {
    if (run_matches_filter(run, filter)) rows.push_back(&run);
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const auto* a, const auto* b) {
    for (const auto& key : keys) {
      const int cmp = compare_on(*a, *b, key.column);
      if (cmp != 0) return key.ascending ? cmp < 0 : cmp > 0;
    }
    return a->id < b->id;
  });
  return rows;
}

void RunSelection::add(int64_t run_id) {
  if (!contains(run_id)) ids_.push_back(run_id);
}

void RunSelection::click(int64_t run_id, bool ctrl, bool shift,
                         const std::vector<int64_t>& visible_order) {
  const auto anchor = std::find(visible_order.begin(), visible_order.end(), anchor_);
  const auto target = std::find(visible_order.begin(), visible_order.end(), run_id);
  if (shift && anchor != visible_order.end() && target != visible_order.end()) {
    if (!ctrl) ids_.clear();
    auto first = std::min(anchor, target), last = std::max(anchor, target);
    for (auto it = first; it <= last; ++it) add(*it);
    return;  // the anchor stays, so a second shift-click re-extends from the same row
  }
  if (ctrl) {
    const auto found = std::find(ids_.begin(), ids_.end(), run_id);
    if (found != ids_.end()) ids_.erase(found);
    else ids_.push_back(run_id);
  } else {
    ids_.assign(1, run_id);
  }
  anchor_ = run_id;
}

void RunSelection::set(std::vector<int64_t> run_ids) {
  ids_.clear();
  for (int64_t run_id : run_ids) add(run_id);
  anchor_ = ids_.empty() ? 0 : ids_.back();
}

void RunSelection::retain(const std::vector<store::RunRecord>& runs) {
  ids_.erase(std::remove_if(ids_.begin(), ids_.end(),
                            [&](int64_t id) {
                              return std::none_of(runs.begin(), runs.end(),
                                                  [id](const auto& run) { return run.id == id; });
                            }),
             ids_.end());
}

bool RunSelection::contains(int64_t run_id) const {
  return std::find(ids_.begin(), ids_.end(), run_id) != ids_.end();
}

}  // namespace multipos::ui
