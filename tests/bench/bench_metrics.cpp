// Metric evaluation time at evaluation-run scale: 10k queries x top-1000 retrieved documents,
// 20 graded judgments per query, the usual measure set (nDCG@10/100, recall@100, P@10,
// recip_rank, MRR@10, MAP, MAP@100). Prints per-run time and per-query cost.
// Usage: bench_metrics [google-benchmark flags]
//        bench_metrics --peer SCRIPT [--python PY]: writes the run and qrels as TREC files, reads
//        them back, times evaluate() on them (1 and 2 threads, best of 3) and runs SCRIPT
//        (tests/bench/peer_metrics.py, needs pytrec_eval) on the same files, which prints both
//        times, the ratio and the largest difference between the two sets of means.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

#include "core/eval/metrics.hpp"
#include "core/eval/trec_io.hpp"

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


const std::vector<std::string> kMeasures = {"ndcg_cut_10", "ndcg_cut_100", "recall_100", "P_10", "recip_rank",
                                           "map",         "map_cut_100"};  // the ones trec_eval has

double best_seconds(const Qrels& qrels, const Run& run, unsigned threads, multipos::eval::Evaluation& out) {
  multipos::eval::EvalOptions options;
  options.threads = threads;
  double best = 1e30;
  for (int repeat = 0; repeat < 3; ++repeat) {
    auto start = std::chrono::steady_clock::now();
    out = multipos::eval::evaluate(qrels, run, multipos::eval::parse_measures(kMeasures), options);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// Both sides evaluate the same files; our means go to the peer as "name=value" arguments.
int run_peer(const std::string& script, const std::string& python) {
  const auto dir = std::filesystem::temp_directory_path() / ("multipos-bench-metrics-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const Inputs inputs = make_inputs();
  multipos::eval::write_trec_run((dir / "run.trec").string(), inputs.run, "bench");
  {
    std::ofstream qrels(dir / "qrels.txt");
    for (const auto& [query, judged] : inputs.qrels)
      for (const auto& [doc, grade] : judged) qrels << query << " 0 " << doc << " " << grade << "\n";
  }
  Qrels qrels = multipos::eval::read_trec_qrels((dir / "qrels.txt").string());
  Run run = multipos::eval::read_trec_run((dir / "run.trec").string());
  multipos::eval::Evaluation evaluation;
  double one = best_seconds(qrels, run, 1, evaluation);
  double two = best_seconds(qrels, run, 2, evaluation);
  std::printf("multipos evaluate(), %d queries x top-%d, %zu measures, best of 3: 1 thread %.3f s, 2 threads %.3f s\n",
              kQueries, kDepth, kMeasures.size(), one, two);
  std::string command = python + " " + script + " " + (dir / "qrels.txt").string() + " " +
                        (dir / "run.trec").string() + " " + std::to_string(one) + " " + std::to_string(two);
  for (size_t m = 0; m < kMeasures.size(); ++m) {
    char value[64];
    std::snprintf(value, sizeof value, "%.17g", evaluation.mean[m]);
    command += " " + kMeasures[m] + "=" + value;
  }
  std::fflush(stdout);
  int status = std::system(command.c_str());
  std::filesystem::remove_all(dir);
  return status == 0 ? 0 : 1;
}

}  // namespace

BENCHMARK(BM_EvaluateRun)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

int main(int argc, char** argv) {
  std::string script, python = "python3";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--peer") script = argv[i + 1];
    if (std::string(argv[i]) == "--python") python = argv[i + 1];
  }
  if (!script.empty()) return run_peer(script, python);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
