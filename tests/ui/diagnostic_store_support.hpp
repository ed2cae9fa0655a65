// Hand-made stores for the diagnostic views: runs with in-batch (diag/) and probe (probe/)
// series whose bands have known sums, and probe rows for the query inspector, written through
// the RunStore API only.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui::testing {

// Per-step figures of one run at step t (0..steps-1): P+ rises, mass splits over 4 ranks with
// the given rank-1 share, gradient splits positives / hard / in-batch.
struct DiagnosticShape {
  std::string objective;
  double rank1_share = 0.5;  // within-positive share of rank 1; the rest splits 3:2:1 over 2..4
  double pushed_down = 0;    // positives pushed down per query (jointlh)
};

inline std::vector<store::ScalarRow> diagnostic_rows(const std::string& prefix, int64_t step,
                                                     const DiagnosticShape& shape) {
  const double t = static_cast<double>(step);
  const double pos_mass = 0.5 + 0.4 * (1 - std::exp(-t / 30));
  const double rest = 1 - shape.rank1_share;
  const double shares[4] = {shape.rank1_share, rest * 3 / 6, rest * 2 / 6, rest * 1 / 6};
  std::vector<store::ScalarRow> rows;
  auto add = [&](const std::string& name, double value) { rows.push_back({prefix + name, step, 0.0, value}); };
  add("pos_mass", pos_mass);
  for (int r = 0; r < 4; ++r) {
    add("mass_rank" + std::to_string(r + 1), pos_mass * shares[r]);
    add("share_rank" + std::to_string(r + 1), shares[r]);
    add("grad_share_rank" + std::to_string(r + 1), 0.25);
  }
  add("entropy_norm", 0.5);
  add("grad_share_pos", 0.6);
  add("grad_share_hardneg", 0.3);
  add("grad_share_inbatch", 0.1);
  add("pushed_down_count", shape.pushed_down);
  add("pushed_down_mass", shape.pushed_down > 0 ? 0.2 : 0.0);
  add("positives_per_query", 4);
  add("mass_source_human", pos_mass * 0.25);
  add("mass_source_llm", pos_mass * 0.75);
  add("grad_share_source_human", 0.2);
  add("grad_share_source_llm", 0.4);
  add("mass_false_pos", 0.05);
  add("grad_share_false_pos", 0.02);
  return rows;
}

// Probe rows of query `query_id` at `step`: 3 positives then 4 negatives; probabilities sum to 1.
inline std::vector<store::ProbeRow> probe_rows_for(const std::string& query_id, int64_t step, double spread) {
  std::vector<store::ProbeRow> rows;
  const double positive_p[3] = {0.5 - spread, 0.2, 0.1 + spread};
  for (int i = 0; i < 3; ++i) {
    store::ProbeRow row;
    row.step = step;
    row.query_id = query_id;
    row.passage_id = "d" + std::to_string(10 - i);  // d10, d9, d8: natural order puts d8 first
    row.is_positive = true;
    row.positive_rank = i + 1;
    row.score = 1.0 - 0.1 * i;
    row.probability = positive_p[i];
    row.gradient = i == 0 ? 0.3 : -0.4;
    row.grade = i == 0 ? 1 : 2;
    row.label_source = i == 2 ? "human" : "llm";
    row.is_false_positive = i == 1;
    rows.push_back(row);
  }
  for (int i = 0; i < 4; ++i) {
    store::ProbeRow row;
    row.step = step;
    row.query_id = query_id;
    row.passage_id = "n" + std::to_string(i);
    row.score = 0.1 * i;
    row.probability = 0.05;
    row.gradient = 0.05;
    rows.push_back(row);
  }
  return rows;
}

// Three finished runs (jointlh, summarglh, lsepair) with `steps` in-batch steps and a probe
// every 10 steps over queries q1, q2, q10. Returns the run ids through `ids` when given.
inline void fill_diagnostic_store(const std::string& db_path, int steps, std::vector<int64_t>* ids = nullptr) {
  store::RunStore store(db_path);
  const DiagnosticShape shapes[] = {{"jointlh", 0.3, 1.5}, {"summarglh", 0.8, 0}, {"lsepair", 0.5, 0}};
  for (const auto& shape : shapes) {
    store::NewRun run;
    run.name = "diag/" + shape.objective;
    run.objective = shape.objective;
    run.dataset = "synthetic";
    run.total_steps = steps;
    run.group_id = "diag-group";
    const int64_t id = store.create_run(run);
    if (ids) ids->push_back(id);
    store.mark_started(id, 1, "test-host");
    std::vector<store::ScalarRow> rows;
    for (int step = 0; step < steps; ++step) {
      rows.push_back({"loss", step, 0.0, 1.0 / (1 + step)});
      for (auto& row : diagnostic_rows("diag/", step, shape)) rows.push_back(std::move(row));
      if (step % 10 == 0) {
        for (auto& row : diagnostic_rows("probe/", step, shape)) rows.push_back(std::move(row));
        std::vector<store::ProbeRow> probe;
        for (const char* query : {"q1", "q2", "q10"}) {
          for (auto& row : probe_rows_for(query, step, 0.01 * (step / 10))) probe.push_back(std::move(row));
        }
        store.append_probe_rows(id, probe);
      }
    }
    store.append_scalars(id, rows);
    store.mark_finished(id, store::RunStatus::finished);
  }
}

// Points for a RunViewModel without a database: `name` = values at steps 0, 1, 2, ...
class PointFeeder {
 public:
  explicit PointFeeder(RunViewModel& model) : model_(model) {}
  void add(int64_t run_id, const std::string& name, const std::vector<double>& values,
           const std::vector<int64_t>& steps = {}) {
    std::vector<store::ScalarPoint> points;
    for (std::size_t i = 0; i < values.size(); ++i) {
      store::ScalarPoint point;
      point.row_id = ++row_id_;
      point.run_id = run_id;
      point.name = name;
      point.step = steps.empty() ? static_cast<int64_t>(i) : steps[i];
      point.value = values[i];
      points.push_back(point);
    }
    model_.merge_points(points);
  }

 private:
  RunViewModel& model_;
  int64_t row_id_ = 0;
};

}  // namespace multipos::ui::testing
