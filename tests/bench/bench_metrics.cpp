// Metric evaluation time at evaluation-run scale: 10k queries x top-1000 retrieved documents,
// 20 graded judgments per query, the usual measure set (nDCG@10/100, recall@100, P@10,
// recip_rank, MRR@10, MAP, MAP@100). Prints per-run time and per-query cost.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>

#include "core/eval/metrics.hpp"

namespace {

using multipos::eval::Qrels;
using multipos::eval::Run;

constexpr int kQueries = 10000;
constexpr int kDepth = 1000;
constexpr int kJudgedPerQuery = 20;
constexpr int kCorpus = 1000000;

struct Inputs {
  Qrels qrels;
  Run run;
};

Inputs make_inputs() {
  Inputs inputs;
  std::mt19937 generator(7);
  for (int q = 0; q < kQueries; ++q) {
    const std::string query = "q" + std::to_string(q);
    auto& judged = inputs.qrels[query];
    auto& ranked = inputs.run[query];
    ranked.reserve(kDepth);
    // Distinct documents per query: a stride walk over the corpus from a random start.
    const int start = static_cast<int>(generator() % kCorpus);
    for (int r = 0; r < kDepth; ++r) {
      const std::string doc = "d" + std::to_string((start + r * 7919) % kCorpus);
      // Scores rounded to 1/64 leave many ties, as real runs with quantised scores do.
      ranked.push_back({doc, std::round((generator() % 100000) / 1000.0 * 64.0) / 64.0});
      if (r % (kDepth / kJudgedPerQuery) == 0) judged[doc] = static_cast<int>(generator() % 4);
    }
  }
  return inputs;
}

void BM_EvaluateRun(benchmark::State& state) {
  static const Inputs inputs = make_inputs();
  const auto measures = multipos::eval::parse_measures({"ndcg_cut_10", "ndcg_cut_100", "recall_100",
                                                         "P_10", "recip_rank", "recip_rank_cut_10",
                                                         "map", "map_cut_100"});
  for (auto _ : state) {
    benchmark::DoNotOptimize(multipos::eval::evaluate(inputs.qrels, inputs.run, measures));
  }
  state.counters["queries/s"] =
      benchmark::Counter(kQueries, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["docs/s"] =
      benchmark::Counter(double{kQueries} * kDepth, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_EvaluateRun)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_MAIN();
