// The compare tab's numbers: each selected run's final retrieval metrics on its eval split, the
// delta to a baseline run with paired significance tests over the per-query values, and the
// config fields in which the runs differ. No ImGui and no SQL here: the inputs are stored rows and
// run records, so everything is unit-tested; compare_cache.hpp feeds it off the UI thread.
// Thread-safety: pure functions over values; safe on any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/eval/significance.hpp"
#include "core/store/run_store.hpp"

namespace multipos::ui {

// The measures every training run and baseline records, in column order.
const std::vector<std::string>& compare_metrics();
// Short label for a column header: ndcg_cut_10 -> "nDCG@10", recall_100 -> "R@100", ...
std::string metric_label(const std::string& metric);

// The split a run is evaluated on: config_json's eval.split, "dev" when missing or unreadable.
std::string eval_split_of(const std::string& config_json);

// One run's scores at its last evaluated step of one split.
struct RunScores {
  int64_t run_id = 0;
  std::string split;
  int64_t step = -1;                                         // -1: no evaluation yet
  std::map<std::string, double> aggregate;                   // metric -> mean
  std::map<std::string, std::map<std::string, double>> per_query;  // metric -> query id -> value
};

// Picks the rows of `split` at their highest step: aggregates have an empty query id.
RunScores scores_from_rows(int64_t run_id, const std::string& split,
                           const std::vector<store::EvaluationRow>& rows);

struct CompareOptions {
  double alpha = 0.05;                 // significance level of both tests
  std::size_t permutations = 10000;    // randomization test
  std::uint64_t seed = 42;
};

// One metric of one run.
struct MetricCell {
  bool present = false;    // the run has this aggregate
  double value = 0;
  // Against the baseline (never set on the baseline's own row).
  bool has_delta = false;
  double delta = 0;        // value - baseline value (aggregates)
  std::size_t paired_queries = 0;
  bool tested = false;     // at least two paired queries
  eval::TTestResult t_test;
  eval::RandomizationResult randomization;
  eval::WinTieLoss win_tie_loss;
  // Both tests below alpha: the cell is marked better or worse by the sign of the delta.
  bool significant = false;
};

struct CompareRow {
  int64_t run_id = 0;
  std::string name, objective, status, split;
  int64_t step = -1;
  std::size_t queries = 0;  // queries with a per-query value of the first metric
  bool is_baseline = false;
  std::vector<MetricCell> cells;  // one per compare_metrics()
};

struct CompareTable {
  std::vector<std::string> metrics;
  int64_t baseline_run_id = 0;    // 0: no baseline
  std::vector<CompareRow> rows;   // the baseline first, then the runs in the order given
  CompareOptions options;
};

// Runs to compare in display order; the baseline (when it is among `runs`) becomes the first row.
// A run without scores gets a row of absent cells.
CompareTable build_compare_table(const std::vector<store::RunRecord>& runs,
                                 const std::map<int64_t, RunScores>& scores, int64_t baseline_run_id,
                                 const CompareOptions& options = {});

// Baseline candidates for `selected`: the selected runs, then the bm25 runs of their groups that
// are not selected. The default is the group's bm25 run when there is one, else the first run.
std::vector<int64_t> baseline_candidates(const std::vector<store::RunRecord>& all_runs,
                                         const std::vector<int64_t>& selected);
int64_t default_baseline(const std::vector<store::RunRecord>& all_runs,
                         const std::vector<int64_t>& selected);

// --- config diff

// Leaves of a JSON document as dotted paths ("optimizer.lr", "dataset.topics", "tags.0") with
// their compact JSON text; arrays of scalars count as one leaf. Unparseable text gives
// {"(config)": text}.
std::map<std::string, std::string> flatten_config(const std::string& config_json);

struct ConfigDiff {
  std::vector<int64_t> run_ids;        // columns
  struct Row {
    std::string path;
    std::vector<std::string> values;   // per run; "" = the run's config has no such field
  };
  std::vector<Row> rows;               // sorted by path, only paths whose values differ
};

// Differences among `runs` (two or more; fewer gives an empty diff).
ConfigDiff config_diff(const std::vector<store::RunRecord>& runs);

}  // namespace multipos::ui
