#include "core/study/study_results.hpp"

#include <cmath>
#include <set>

namespace multipos::study {

namespace {

struct QueryTotals {
  double mass[3] = {0, 0, 0};      // true positives, false positives, negatives
  double gradient[3] = {0, 0, 0};  // |dL/ds| summed per group
  std::map<double, double> grade_mass, grade_gradient;  // positives, by grade
};

int group_of(const store::ProbeRow& row) {
  if (!row.is_positive) return 2;
  return row.is_false_positive ? 1 : 0;
}

RunResult read_run(const store::RunStore& store, int64_t run_id, const std::string& split) {
  RunResult result;
  result.run_id = run_id;
  auto record = run_id > 0 ? store.find_run(run_id) : std::nullopt;
  if (!record) {
    result.status = "missing";
    return result;
  }
  result.status = record->status;
  result.error = record->error;
  if (record->status != "finished") return result;
  auto rows = store.evaluations(run_id, split);
  for (const auto& row : rows) result.step = std::max(result.step, row.step);
  for (const auto& row : rows) {
    if (row.step != result.step) continue;
    if (row.query_id.empty())
      result.mean[row.metric] = row.value;
    else
      result.per_query[row.metric][row.query_id] = row.value;
  }
  auto steps = store.probe_steps(run_id);
  if (!steps.empty()) result.allocation = allocation_of(store.probe_rows(run_id, steps.back()));
  return result;
}

}  // namespace

const std::vector<std::string>& study_metrics() {
  static const std::vector<std::string> names = {"ndcg_cut_10", "recall_100", "recip_rank_cut_10"};
  return names;
}

std::string metric_label(const std::string& metric) {
  if (metric == "ndcg_cut_10") return "nDCG@10";
  if (metric == "recall_100") return "Recall@100";
  if (metric == "recip_rank_cut_10") return "MRR@10";
  return metric;
}

Allocation allocation_of(const std::vector<store::ProbeRow>& rows) {
  Allocation allocation;
  if (rows.empty()) return allocation;
  std::map<std::string, QueryTotals> queries;
  for (const auto& row : rows) {
    QueryTotals& totals = queries[row.query_id];
    totals.mass[group_of(row)] += row.probability;
    totals.gradient[group_of(row)] += std::fabs(row.gradient);
    if (row.is_positive) {
      totals.grade_mass[row.grade] += row.probability;
      totals.grade_gradient[row.grade] += std::fabs(row.gradient);
    }
  }
  std::set<double> grades;
  for (const auto& row : rows)
    if (row.is_positive) grades.insert(row.grade);
  double mass[3] = {0, 0, 0}, gradient[3] = {0, 0, 0};
  for (const auto& [query, totals] : queries) {
    const double mass_total = totals.mass[0] + totals.mass[1] + totals.mass[2];
    const double gradient_total = totals.gradient[0] + totals.gradient[1] + totals.gradient[2];
    for (int g = 0; g < 3; ++g) {
      mass[g] += mass_total > 0 ? totals.mass[g] / mass_total : 0;
      gradient[g] += gradient_total > 0 ? totals.gradient[g] / gradient_total : 0;
    }
    if (grades.size() < 2) continue;
    for (double grade : grades) {  // 0 for a query without positives of that grade
      const auto m = totals.grade_mass.find(grade), d = totals.grade_gradient.find(grade);
      allocation.grade_mass[grade] += mass_total > 0 && m != totals.grade_mass.end() ? m->second / mass_total : 0;
      allocation.grade_gradient[grade] +=
          gradient_total > 0 && d != totals.grade_gradient.end() ? d->second / gradient_total : 0;
    }
  }
  const double n = static_cast<double>(queries.size());
  allocation.present = true;
  allocation.step = rows.front().step;
  allocation.true_mass = mass[0] / n;
  allocation.false_mass = mass[1] / n;
  allocation.negative_mass = mass[2] / n;
  allocation.true_gradient = gradient[0] / n;
  allocation.false_gradient = gradient[1] / n;
  allocation.negative_gradient = gradient[2] / n;
  for (auto& [grade, value] : allocation.grade_mass) value /= n;
  for (auto& [grade, value] : allocation.grade_gradient) value /= n;
  return allocation;
}

const RunResult* StudyResults::find(const StudyCell& cell) const {
  auto it = cells.find(cell.key());
  return it == cells.end() ? nullptr : &it->second;
}

StudyResults collect_results(const StudyState& state, const store::RunStore& store) {
  StudyResults results;
  results.spec = state.spec;
  for (const auto& planned : plan_study(state.spec)) {
    const std::string key = planned.cell.key();
    auto it = state.runs.find(key);
    RunResult run = read_run(store, it == state.runs.end() ? 0 : it->second, state.spec.split);
    if (run.status == "finished")
      ++results.finished;
    else if (run.status == "failed")
      ++results.failed;
    else
      ++results.unfinished;
    results.cells[key] = std::move(run);
  }
  results.bm25 = read_run(store, state.bm25_run, state.spec.split);
  for (const auto& [seed, run_id] : state.untrained_runs)
    results.untrained[seed] = read_run(store, run_id, state.spec.split);
  return results;
}

}  // namespace multipos::study
