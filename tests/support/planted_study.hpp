// A study planted straight into a run store (no training), so every number a report or a view
// computes from it is known: LSEPair best and flat, JointLH falling with noise and putting 0.30
// of the probe mass on false positives, BM25 at 0.40, the untrained encoder at a chosen score.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"
#include "core/study/study_results.hpp"
#include "core/study/study_spec.hpp"
#include "tests/support/temp_dir.hpp"

namespace multipos::testing {

using multipos::store::RunStore;
using namespace multipos::study;

inline constexpr int kQueries = 12;

// nDCG@10 of an objective in a cell: LSEPair best and flat, JointLH falls with noise.
inline double planted_ndcg(const std::string& objective, double noise, uint64_t seed, int query) {
  double base = objective == "lsepair" ? 0.60 : objective == "jointlh" ? 0.55 - noise : 0.50;
  return base + 0.01 * static_cast<double>(seed) + 0.02 * ((query % 3) - 1);
}

inline double planted_false_mass(const std::string& objective) { return objective == "jointlh" ? 0.30 : 0.05; }

inline int64_t add_run(RunStore& store, const std::string& objective, uint64_t seed, const std::function<double(int)>& ndcg,
                double false_mass) {
  multipos::store::NewRun run;
  run.name = objective;
  run.objective = objective;
  run.dataset = "planted";
  run.config_json = "{}";
  run.seed = static_cast<int64_t>(seed);
  run.total_steps = 10;
  const int64_t id = store.create_run(run);
  std::vector<multipos::store::EvaluationRow> rows;
  double sum = 0;
  for (int q = 0; q < kQueries; ++q) {
    const std::string query = "q" + std::to_string(q);
    rows.push_back({9, "test", "ndcg_cut_10", query, ndcg(q)});
    rows.push_back({9, "test", "recall_100", query, 0.9});
    sum += ndcg(q);
  }
  rows.push_back({9, "test", "ndcg_cut_10", "", sum / kQueries});
  rows.push_back({9, "test", "recall_100", "", 0.9});
  rows.push_back({2, "test", "ndcg_cut_10", "", 0.01});  // an earlier evaluation the report must not use
  store.append_evaluations(id, rows);
  if (false_mass >= 0) {
    std::vector<multipos::store::ProbeRow> probes;
    for (int q = 0; q < 2; ++q) {
      const std::string query = "p" + std::to_string(q);
      // true positives share 0.7 - false_mass... negatives 0.3; gradients in the same proportions.
      probes.push_back({9, query, "t1", true, 1, 1.0, 0.7 - false_mass, -0.4, 1, "llm", false});
      probes.push_back({9, query, "f1", true, 2, 0.5, false_mass, -0.2, 1, "llm", true});
      probes.push_back({9, query, "n1", false, 0, 0.1, 0.3, 0.6, 0, "", false});
    }
    store.append_probe_rows(id, probes);
  }
  store.mark_started(id, 0, "");
  store.mark_finished(id, multipos::store::RunStatus::finished);
  return id;
}

struct PlantedStudy {
  multipos::testing::TempDir dir;
  std::string database = dir.file("runs.sqlite");
  StudyState state;

  explicit PlantedStudy(double untrained_ndcg = 0.1) {
    RunStore store(database);
    state.spec.name = "planted";
    state.spec.base_config = {{"steps", 10}};
    state.spec.objectives = {"rand1lh", "lsepair", "jointlh"};
    state.spec.regimes = {"mixed"};
    state.spec.noise_rates = {0, 0.4};
    state.spec.seeds = {1, 2};
    for (const auto& planned : plan_study(state.spec)) {
      const auto cell = planned.cell;
      state.runs[cell.key()] = add_run(
          store, cell.objective, cell.seed,
          [cell](int q) { return planted_ndcg(cell.objective, cell.noise_rate, cell.seed, q); },
          planted_false_mass(cell.objective));
    }
    state.bm25_run = add_run(store, "bm25", 1, [](int) { return 0.4; }, -1);
    for (uint64_t seed : state.spec.seeds)
      state.untrained_runs[seed] = add_run(store, "untrained", seed, [=](int) { return untrained_ndcg; }, -1);
  }

  StudyResults results() const {
    RunStore store(database, RunStore::Mode::read_only);
    return collect_results(state, store);
  }
};

}  // namespace multipos::testing
