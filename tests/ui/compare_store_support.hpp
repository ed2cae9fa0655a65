// A hand-made store for the compare tab's tests: one launch group with a finished bm25 baseline
// and two training runs evaluated on "dev" at two steps (the compare table must use the last),
// plus a stray "test" split row that must be ignored. Per-query values are chosen so that run A
// beats the baseline on every query (significant) and run B is mixed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"

namespace multipos::ui::testing {

struct CompareStoreIds {
  int64_t bm25 = 0, a = 0, b = 0;
};

constexpr int kCompareQueries = 12;

// Query i's nDCG@10 for each run at the last step.
inline double bm25_ndcg(int i) { return 0.30 + 0.02 * i; }
inline double a_ndcg(int i) { return bm25_ndcg(i) + 0.05 + 0.01 * (i % 3); }
inline double b_ndcg(int i) { return bm25_ndcg(i) + (i % 2 == 0 ? 0.04 : -0.03) + (i % 4 == 1 ? 0.03 : 0.0); }

inline void add_evaluation(store::RunStore& store, int64_t run_id, int64_t step, const std::string& split,
                           double (*ndcg)(int), double shift) {
  std::vector<store::EvaluationRow> rows;
  double ndcg_sum = 0;
  for (int i = 0; i < kCompareQueries; ++i) {
    const std::string query = "q" + std::to_string(100 + i);
    const double value = ndcg(i) + shift;
    ndcg_sum += value;
    rows.push_back({step, split, "ndcg_cut_10", query, value});
    rows.push_back({step, split, "recall_100", query, 0.8});  // equal everywhere: all ties
  }
  rows.push_back({step, split, "ndcg_cut_10", "", ndcg_sum / kCompareQueries});
  rows.push_back({step, split, "recall_100", "", 0.8});
  store.append_evaluations(run_id, rows);
}

inline CompareStoreIds fill_compare_store(const std::string& db_path) {
  store::RunStore store(db_path);
  CompareStoreIds ids;
  auto make = [&](const std::string& name, const std::string& objective, const std::string& config) {
    store::NewRun run;
    run.name = name;
    run.objective = objective;
    run.dataset = "synthetic";
    run.group_id = "group-7";
    run.config_json = config;
    run.total_steps = 50;
    const int64_t id = store.create_run(run);
    store.mark_started(id, 0, "");
    store.mark_finished(id, store::RunStatus::finished);
    return id;
  };
  const std::string base = R"({"name":"quick/%s","objective":{"name":"%s","temperature":0.05},)"
                           R"("optimizer":{"lr":%s,"warmup_steps":5},"eval":{"split":"dev"},"steps":50})";
  auto config = [&](const char* objective, const char* lr) {
    std::string text = base;
    for (const char* value : {objective, objective, lr}) text.replace(text.find("%s"), 2, value);
    return text;
  };
  ids.a = make("quick/jointlh", "jointlh", config("jointlh", "0.05"));
  ids.b = make("quick/lsepair", "lsepair", config("lsepair", "0.01"));
  ids.bm25 = make("bm25", "bm25", R"({"baseline":"bm25","dataset":{"kind":"synthetic"},"eval":{"split":"dev"}})");
  add_evaluation(store, ids.bm25, 0, "dev", bm25_ndcg, 0.0);
  add_evaluation(store, ids.a, 25, "dev", bm25_ndcg, -0.2);  // an earlier, worse evaluation
  add_evaluation(store, ids.a, 49, "dev", a_ndcg, 0.0);
  add_evaluation(store, ids.a, 49, "test", a_ndcg, 0.5);     // another split: never compared
  add_evaluation(store, ids.b, 49, "dev", b_ndcg, 0.0);
  return ids;
}

}  // namespace multipos::ui::testing
