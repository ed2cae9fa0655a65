// Gradient caching (batch.cache_chunk) against the plain whole-batch step: peak memory and time per
// step as the batch grows, side by side. Each configuration trains in a fresh child process (this
// program run with --child), so one configuration's peak cannot hide another's: the child resets
// its peak resident size (/proc/self/clear_refs) when the first step starts and reads VmHWM at the
// end, so "step peak" is the training step's own growth over the loaded model and data.
// Usage: bench_gradcache [--full] [--chunk N] [--threads N]
//   default: bag at 32..512 queries x 4 passages; MiniLM (all-minilm-l6-v2 from the model cache,
//   else the 2-layer transformer) at 16..64 x 4, a few minutes on 2 cores;
//   --full: MiniLM (or transformer) at 32..512 x 4 too (the plain step at 512 x 4 needs many GiB);
//   --chunk N: queries per cache chunk (default 16; 8 for MiniLM).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/train/trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// The model cache as tests/fixtures/model_cache.hpp finds it; "" when MiniLM is absent.
std::string minilm_folder() {
  std::filesystem::path root;
  if (const char* cache = std::getenv("MULTIPOS_MODEL_CACHE"); cache != nullptr && *cache != '\0')
    root = cache;
  else if (const char* home = std::getenv("HOME"); home != nullptr)
    root = std::filesystem::path(home) / ".cache" / "multipos" / "models";
  const auto folder = root / "all-minilm-l6-v2";
  return std::filesystem::exists(folder / "model.safetensors") ? folder.string() : "";
}

nlohmann::json encoder_json(const std::string& kind) {
  if (kind == "minilm")
    return {{"kind", "bert"}, {"model", minilm_folder()}, {"query_max_length", 32}, {"passage_max_length", 64}};
  if (kind == "transformer")
    return {{"kind", "transformer"},
            {"layers", 2},
            {"width", 128},
            {"heads", 4},
            {"ffn", 512},
            {"query_max_length", 32},
            {"passage_max_length", 64},
            {"dropout", 0.1}};
  return {{"kind", "bag"}, {"buckets", 65536}, {"embedding_dim", 96}};
}

int64_t status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field, 0) == 0) return std::atoll(line.c_str() + std::string(field).size());
  return -1;
}

// One configuration in this process; prints "RESULT <ms per step> <step peak KiB> <peak KiB>".
int child(const std::string& encoder, int64_t queries, int64_t chunk, int64_t steps, int threads) {
  auto db =
      std::filesystem::temp_directory_path() / ("multipos-bench-gradcache-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(db);
  nlohmann::json json = {
      {"objective", {{"name", "jointlh"}, {"similarity", "cosine"}, {"temperature", 0.05}}},
      {"dataset", {{"kind", "synthetic"}, {"topics", 64}, {"subtopics_per_topic", 4}, {"queries_per_subtopic", 4}}},
      {"encoder", encoder_json(encoder)},
      {"batch", {{"queries", queries}, {"group_size", 4}, {"max_positives", 2}, {"cache_chunk", chunk}}},
      {"optimizer", {{"lr", 1e-4}, {"warmup_steps", 0}}},
      {"probe", {{"every", 0}}},
      {"eval", {{"every", 0}, {"at_end", false}}},
      {"checkpoint", {{"every", 0}, {"at_end", false}}},
      {"steps", steps},
      {"device", "cpu"},
      {"threads", threads},
  };
  auto config = multipos::train::train_config_from_json(json, "bench");
  int64_t run_id = 0;
  {
    multipos::store::RunStore store(db.string());
    multipos::store::NewRun run;
    run.name = run.objective = "jointlh";
    run.config_json = multipos::train::to_json(config).dump();
    run.total_steps = steps;
    run_id = store.create_run(run);
  }
  multipos::store::RunStore store(db.string());
  Clock::time_point timed_from;
  int64_t base_kib = 0;
  multipos::train::TrainHooks hooks;
  hooks.before_step = [&](int64_t step) {
    if (step == 0) {
      std::ofstream("/proc/self/clear_refs") << "5";  // VmHWM := VmRSS
      base_kib = status_kib("VmRSS:");
    }
    if (step == 1) timed_from = Clock::now();  // step 0 warms caches and allocators up
  };
  multipos::train::train_run(config, store, run_id, hooks);
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - timed_from).count() / static_cast<double>(steps - 1);
  const int64_t peak = status_kib("VmHWM:");
  std::filesystem::remove(db);
  std::printf("RESULT %.1f %lld %lld\n", ms, static_cast<long long>(peak - base_kib), static_cast<long long>(peak));
  return 0;
}

struct Measured {
  bool ok = false;
  double ms = 0;
  double step_mib = 0, peak_mib = 0;
};

Measured measure(const std::string& encoder, int64_t queries, int64_t chunk, int64_t steps, int threads) {
  std::ostringstream command;
  command << "\"/proc/" << ::getpid() << "/exe\" --child " << encoder << " " << queries << " " << chunk << " " << steps
          << " " << threads << " 2>&1";
  FILE* pipe = popen(command.str().c_str(), "r");
  Measured result;
  if (!pipe) return result;
  char line[4096];
  std::string output;
  while (fgets(line, sizeof line, pipe)) {
    output += line;
    long long step_kib = 0, peak_kib = 0;
    if (std::sscanf(line, "RESULT %lf %lld %lld", &result.ms, &step_kib, &peak_kib) == 3) {
      result.ok = true;
      result.step_mib = static_cast<double>(step_kib) / 1024;
      result.peak_mib = static_cast<double>(peak_kib) / 1024;
    }
  }
  if (pclose(pipe) != 0 || !result.ok) std::fprintf(stderr, "child failed:\n%s\n", output.c_str());
  return result;
}

void table(const std::string& encoder, const std::vector<int64_t>& sizes, int64_t chunk, int64_t steps, int threads) {
  std::printf("\n%s, jointlh, 4 passages per query, cache_chunk %lld, %d threads, %lld steps (first untimed)\n",
              encoder.c_str(), static_cast<long long>(chunk), threads, static_cast<long long>(steps));
  std::printf(
      "| queries | plain ms/step | cached ms/step | time ratio | plain step peak MiB | cached step peak MiB |"
      " plain peak MiB | cached peak MiB |\n|---|---|---|---|---|---|---|---|\n");
  for (int64_t queries : sizes) {
    const Measured plain = measure(encoder, queries, 0, steps, threads);
    const Measured cached = measure(encoder, queries, std::min(chunk, queries), steps, threads);
    std::printf("| %lld | %.0f | %.0f | %.2f | %.0f | %.0f | %.0f | %.0f |\n", static_cast<long long>(queries),
                plain.ms, cached.ms, plain.ms > 0 ? cached.ms / plain.ms : 0.0, plain.step_mib, cached.step_mib,
                plain.peak_mib, cached.peak_mib);
    std::fflush(stdout);
  }
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 7 && std::string(argv[1]) == "--child")
    return child(argv[2], std::atoll(argv[3]), std::atoll(argv[4]), std::atoll(argv[5]), std::atoi(argv[6]));
  bool full = false;
  int64_t chunk = 0;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--full")
      full = true;
    else if (arg == "--chunk" && i + 1 < argc)
      chunk = std::atoll(argv[++i]);
    else if (arg == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_gradcache [--full] [--chunk N] [--threads N]\n");
      return 2;
    }
  }
  std::printf("machine load (1-minute average) at start: %.2f on %ld cores\n", load_average(),
              sysconf(_SC_NPROCESSORS_ONLN));
  table("bag", {32, 64, 128, 256, 512}, chunk > 0 ? chunk : 16, 5, threads);
  const std::string deep = minilm_folder().empty() ? "transformer" : "minilm";
  if (deep == "transformer") std::printf("\n(all-minilm-l6-v2 not in the model cache: the transformer stands in)\n");
  table(deep, full ? std::vector<int64_t>{32, 64, 128, 256, 512} : std::vector<int64_t>{16, 32, 64},
        chunk > 0 ? chunk : 8, 3, threads);
  std::printf("\nmachine load (1-minute average) at end: %.2f\n", load_average());
  return 0;
}
