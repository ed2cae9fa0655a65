// Training-step cost of the diagnostics, per objective: the same run (data, encoder, batch, seed)
// with in-batch diagnostics and probes off, with in-batch diagnostics on, and with both on.
// Prints ms per step and the overhead ratios. Usage: bench_train_step [steps] [threads]
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "core/objectives/config.hpp"
#include "core/train/trainer.hpp"

namespace {

using multipos::store::RunStore;

double ms_per_step(const std::string& objective, bool diagnostics, int64_t probe_every, int64_t steps, int threads) {
  auto db = std::filesystem::temp_directory_path() / ("multipos-bench-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(db);
  nlohmann::json json = {
      {"objective", {{"name", objective}, {"similarity", "cosine"}, {"temperature", 0.05}}},
      {"dataset", {{"kind", "synthetic"}, {"topics", 20}, {"queries_per_subtopic", 10}}},
      {"encoder", {{"kind", "bag"}, {"buckets", 65536}, {"embedding_dim", 96}}},
      {"batch", {{"queries", 32}, {"group_size", 8}, {"max_positives", 4}}},
      {"probe", {{"every", probe_every}, {"queries", 12}, {"negatives", 24}}},
      {"eval", {{"every", 0}, {"at_end", false}}},
      {"steps", steps},
      {"threads", threads},
      {"device", "cpu"},
      {"diagnostics", diagnostics},
  };
  auto config = multipos::train::train_config_from_json(json, "bench");
  RunStore store(db.string());
  multipos::store::NewRun run;
  run.name = objective;
  run.objective = objective;
  run.dataset = "synthetic";
  run.config_json = json.dump();
  int64_t id = store.create_run(run);
  // Time from the end of the first step to the end of the last: data generation, encoder set-up
  // and the first step's allocations stay out of the figure.
  std::chrono::steady_clock::time_point first, last;
  multipos::train::TrainHooks hooks;
  hooks.on_progress = [&](const multipos::train::StepProgress& progress) {
    (progress.step == 0 ? first : last) = std::chrono::steady_clock::now();
  };
  config.print_every = 1;
  multipos::train::train_run(config, store, id, hooks);
  double seconds = std::chrono::duration<double>(last - first).count();
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  return 1000.0 * seconds / static_cast<double>(steps - 1);
}

// Median of three runs: single runs on a shared 2-core machine vary by 10-20%.
double median_ms(const std::string& objective, bool diagnostics, int64_t probe_every, int64_t steps, int threads) {
  std::vector<double> times;
  for (int repeat = 0; repeat < 3; ++repeat) times.push_back(ms_per_step(objective, diagnostics, probe_every, steps, threads));
  std::sort(times.begin(), times.end());
  return times[1];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t steps = argc > 1 ? std::atoll(argv[1]) : 41;
  int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  std::printf("bench_train_step: median of 3 runs of %lld steps, %d threads, B=32 g=8 bag encoder d=96, probes: 12 queries every 10 steps\n",
              static_cast<long long>(steps), threads);
  std::printf("%-12s %12s %12s %12s %10s %10s\n", "objective", "plain ms", "+diag ms", "+probe ms", "diag %", "probe %");
  for (const auto& objective : multipos::objectives::objective_names()) {
    double plain = median_ms(objective, false, 0, steps, threads);
    double diagnostics = median_ms(objective, true, 0, steps, threads);
    double probes = median_ms(objective, true, 10, steps, threads);
    std::printf("%-12s %12.2f %12.2f %12.2f %9.1f%% %9.1f%%\n", objective.c_str(), plain, diagnostics, probes,
                100.0 * (diagnostics - plain) / plain, 100.0 * (probes - diagnostics) / plain);
    std::fflush(stdout);
  }
  return 0;
}
