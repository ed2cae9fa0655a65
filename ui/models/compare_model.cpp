#include "ui/models/compare_model.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

namespace multipos::ui {

namespace {

// Paired values of one metric for the queries both runs scored, in query-id order (the same
// merge rule as eval::paired_values, over stored rows instead of an eval::Evaluation).
void paired_values(const std::map<std::string, double>& run, const std::map<std::string, double>& baseline,
                   std::vector<double>& run_values, std::vector<double>& baseline_values) {
  for (const auto& [query_id, value] : run) {
    const auto other = baseline.find(query_id);
    if (other == baseline.end()) continue;
    run_values.push_back(value);
    baseline_values.push_back(other->second);
  }
}

const std::map<std::string, double>* find_per_query(const RunScores* scores, const std::string& metric) {
  if (!scores) return nullptr;
  const auto found = scores->per_query.find(metric);
  return found == scores->per_query.end() ? nullptr : &found->second;
}

MetricCell metric_cell(const RunScores* scores, const RunScores* baseline, const std::string& metric,
                       const CompareOptions& options) {
  MetricCell cell;
  if (!scores) return cell;
  const auto value = scores->aggregate.find(metric);
  if (value == scores->aggregate.end()) return cell;
  cell.present = true;
  cell.value = value->second;
  if (!baseline) return cell;
  const auto base_value = baseline->aggregate.find(metric);
  if (base_value == baseline->aggregate.end()) return cell;
  cell.has_delta = true;
  cell.delta = cell.value - base_value->second;
  const auto* run_queries = find_per_query(scores, metric);
  const auto* base_queries = find_per_query(baseline, metric);
  if (!run_queries || !base_queries) return cell;
  std::vector<double> a, b;
  paired_values(*run_queries, *base_queries, a, b);
  cell.paired_queries = a.size();
  cell.win_tie_loss = eval::count_win_tie_loss(a, b);
  if (a.size() < 2) return cell;
  cell.tested = true;
  cell.t_test = eval::paired_t_test(a, b);
  cell.randomization = eval::paired_randomization_test(a, b, options.permutations, options.seed);
  cell.significant = cell.t_test.p_value < options.alpha && cell.randomization.p_value < options.alpha;
  return cell;
}

const store::RunRecord* find_run(const std::vector<store::RunRecord>& runs, int64_t run_id) {
  for (const auto& run : runs) {
    if (run.id == run_id) return &run;
  }
  return nullptr;
}

void flatten(const nlohmann::json& node, const std::string& path, std::map<std::string, std::string>& out) {
  if (node.is_object() && !node.empty()) {
    for (const auto& [key, value] : node.items()) flatten(value, path.empty() ? key : path + "." + key, out);
    return;
  }
  const bool scalar_array =
      node.is_array() && std::all_of(node.begin(), node.end(), [](const nlohmann::json& item) {
        return item.is_primitive();
      });
  if (node.is_array() && !scalar_array) {
    for (std::size_t i = 0; i < node.size(); ++i) flatten(node[i], path + "." + std::to_string(i), out);
    return;
  }
  out[path.empty() ? "(config)" : path] = node.dump();
}

}  // namespace

const std::vector<std::string>& compare_metrics() {
  static const std::vector<std::string> metrics = {"ndcg_cut_10", "recall_100", "recip_rank_cut_10", "map"};
  return metrics;
}

std::string metric_label(const std::string& metric) {
  static const std::map<std::string, std::string> labels = {
      {"ndcg_cut_10", "nDCG@10"}, {"recall_100", "R@100"}, {"recip_rank_cut_10", "MRR@10"}, {"map", "MAP"}};
  const auto found = labels.find(metric);
  return found == labels.end() ? metric : found->second;
}

std::string eval_split_of(const std::string& config_json) {
  const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
  if (config.is_discarded() || !config.is_object()) return "dev";
  const auto eval = config.find("eval");
  if (eval == config.end() || !eval->is_object()) return "dev";
  const auto split = eval->find("split");
  return split != eval->end() && split->is_string() ? split->get<std::string>() : "dev";
}

RunScores scores_from_rows(int64_t run_id, const std::string& split,
                           const std::vector<store::EvaluationRow>& rows) {
  RunScores scores;
  scores.run_id = run_id;
  scores.split = split;
  for (const auto& row : rows) {
    if (row.split == split) scores.step = std::max(scores.step, row.step);
  }
  for (const auto& row : rows) {
    if (row.split != split || row.step != scores.step) continue;
    if (row.query_id.empty()) scores.aggregate[row.metric] = row.value;
    else scores.per_query[row.metric][row.query_id] = row.value;
  }
  return scores;
}

CompareTable build_compare_table(const std::vector<store::RunRecord>& runs,
                                 const std::map<int64_t, RunScores>& scores, int64_t baseline_run_id,
                                 const CompareOptions& options) {
  CompareTable table;
  table.metrics = compare_metrics();
  table.options = options;
  auto scores_of = [&](int64_t run_id) -> const RunScores* {
    const auto found = scores.find(run_id);
    return found == scores.end() ? nullptr : &found->second;
  };
  const store::RunRecord* baseline = find_run(runs, baseline_run_id);
  table.baseline_run_id = baseline ? baseline_run_id : 0;
  const RunScores* baseline_scores = baseline ? scores_of(baseline_run_id) : nullptr;

  auto add_row = [&](const store::RunRecord& run) {
    CompareRow row;
    row.run_id = run.id;
    row.name = run.name;
    row.objective = run.objective;
    row.status = run.status;
    row.is_baseline = baseline && run.id == baseline_run_id;
    const RunScores* run_scores = scores_of(run.id);
    row.split = run_scores ? run_scores->split : eval_split_of(run.config_json);
    row.step = run_scores ? run_scores->step : -1;
    const auto* first = find_per_query(run_scores, table.metrics.front());
    row.queries = first ? first->size() : 0;
    for (const auto& metric : table.metrics) {
      row.cells.push_back(metric_cell(run_scores, row.is_baseline ? nullptr : baseline_scores, metric, options));
    }
    table.rows.push_back(std::move(row));
  };
  if (baseline) add_row(*baseline);
  for (const auto& run : runs) {
    if (!baseline || run.id != baseline_run_id) add_row(run);
  }
  return table;
}

std::vector<int64_t> baseline_candidates(const std::vector<store::RunRecord>& all_runs,
                                         const std::vector<int64_t>& selected) {
  std::vector<int64_t> candidates;
  std::set<std::string> groups;
  for (int64_t run_id : selected) {
    const store::RunRecord* run = find_run(all_runs, run_id);
    if (!run) continue;
    candidates.push_back(run_id);
    if (!run->group_id.empty()) groups.insert(run->group_id);
  }
  for (const auto& run : all_runs) {
    const bool group_bm25 = run.objective == "bm25" && groups.count(run.group_id) > 0;
    if (group_bm25 && std::find(candidates.begin(), candidates.end(), run.id) == candidates.end()) {
      candidates.push_back(run.id);
    }
  }
  return candidates;
}

int64_t default_baseline(const std::vector<store::RunRecord>& all_runs, const std::vector<int64_t>& selected) {
  const std::vector<int64_t> candidates = baseline_candidates(all_runs, selected);
  for (int64_t run_id : candidates) {
    const store::RunRecord* run = find_run(all_runs, run_id);
    if (run->objective == "bm25" && run->status == "finished") return run_id;
  }
  return candidates.empty() ? 0 : candidates.front();
}

std::map<std::string, std::string> flatten_config(const std::string& config_json) {
  std::map<std::string, std::string> leaves;
  const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
  if (config.is_discarded()) {
    leaves["(config)"] = config_json;
    return leaves;
  }
  flatten(config, "", leaves);
  return leaves;
}

ConfigDiff config_diff(const std::vector<store::RunRecord>& runs) {
  ConfigDiff diff;
  if (runs.size() < 2) return diff;
  std::vector<std::map<std::string, std::string>> leaves;
  std::set<std::string> paths;
  for (const auto& run : runs) {
    diff.run_ids.push_back(run.id);
    leaves.push_back(flatten_config(run.config_json));
    for (const auto& entry : leaves.back()) paths.insert(entry.first);
  }
  for (const auto& path : paths) {
    ConfigDiff::Row row;
    row.path = path;
    for (const auto& run_leaves : leaves) {
      const auto found = run_leaves.find(path);
      row.values.push_back(found == run_leaves.end() ? std::string() : found->second);
    }
    const bool differs = std::any_of(row.values.begin(), row.values.end(),
                                     [&](const std::string& value) { return value != row.values.front(); });
    if (differs) diff.rows.push_back(std::move(row));
  }
  return diff;
}

}  // namespace multipos::ui
