// View model of the query inspector: the probe query ids and steps of the selected runs merged,
// the filter of the query list, and the table of one query's passages (positives first) with one
// cell per run (score, p, dL/ds) plus per-run totals. No ImGui here; pure functions, unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"

namespace multipos::ui {

// Compares ids the way people read them: "q2" < "q10", "d9" < "d10"; otherwise lexicographic.
bool natural_less(const std::string& a, const std::string& b);

// Union of several runs' query ids (each list may be unsorted), natural order, no duplicates.
std::vector<std::string> merge_query_ids(const std::vector<const std::vector<std::string>*>& lists);
// Union of several runs' probe steps, ascending, no duplicates.
std::vector<int64_t> merge_steps(const std::vector<const std::vector<int64_t>*>& lists);
// The last step <= `step` in `steps` (ascending), or -1 when there is none: a run probed on
// another schedule shows its latest snapshot at or before the chosen step.
int64_t step_at_or_before(const std::vector<int64_t>& steps, int64_t step);
// Ids containing every space-separated word of `filter`, case-insensitively.
std::vector<std::string> filter_ids(const std::vector<std::string>& ids, const std::string& filter);

// One run's figures for one passage.
struct InspectorCell {
  bool present = false;  // the run has this passage in its probe row at that step
  double score = 0, probability = 0, gradient = 0;
  int positive_rank = 0;
};

struct InspectorRow {
  std::string passage_id;
  bool is_positive = false;
  double grade = 0;
  std::string label_source;
  bool is_false_positive = false;
  std::vector<InspectorCell> cells;  // parallel to the runs given to build_inspector_table
};

// Per-run totals of the query at that step.
struct InspectorTotals {
  bool present = false;
  double positive_mass = 0;      // P+ = sum of p over the positives
  double positive_grad_share = 0;  // sum |dL/ds| over positives / sum over every passage
  int positives = 0;
  int pushed_down = 0;           // positives with dL/ds > 0
};

struct InspectorTable {
  std::vector<InspectorRow> rows;      // positives (grade descending, then id), then negatives (id)
  std::vector<InspectorTotals> totals;  // parallel to the runs
  std::vector<double> grades;           // the positives' distinct grades, highest first
  // Position of `grade` in `grades` (0 = highest), the colour index of the "by grade" views;
  // -1 when the query has a single grade (nothing to tell apart) or the grade is not listed.
  int grade_level(double grade) const;
};

// `per_run[i]` holds run i's probe rows of one query at one step, or nullptr (not loaded, or
// no probe). Passage attributes (grade, source, false flag) come from the first run listing it.
InspectorTable build_inspector_table(const std::vector<const std::vector<store::ProbeRow>*>& per_run);

}  // namespace multipos::ui
