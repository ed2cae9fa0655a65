// Exact search throughput against the machine's plain matrix-product rate: 100k x 384 float32
// corpus, 1,000 queries, top-100, dot product. Prints each backend's time, its effective
// GFLOP/s (2*Q*N*d / time) and its ratio to the plain at::mm rate, with the thread count.
// Usage: bench_search [--threads=N] [google benchmark flags]
#include <benchmark/benchmark.h>

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/mm.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "core/eval/search.hpp"

#ifdef MULTIPOS_BENCH_FAISS
#include <faiss/IndexFlat.h>
#include <omp.h>

#include <vector>
#endif

namespace {

constexpr std::int64_t kCorpusRows = 100000;
constexpr std::int64_t kQueryRows = 1000;
constexpr std::int64_t kDims = 384;
constexpr std::size_t kTopK = 100;
constexpr double kFlops = 2.0 * kCorpusRows * kQueryRows * kDims;

at::Tensor random_matrix(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
  at::Tensor matrix = at::empty({rows, cols}, at::kFloat);
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal;
  float* data = matrix.data_ptr<float>();
  for (std::int64_t i = 0; i < rows * cols; ++i) data[i] = normal(generator);
  return matrix;
}

struct Data {
  at::Tensor queries = random_matrix(kQueryRows, kDims, 1);
  at::Tensor corpus = random_matrix(kCorpusRows, kDims, 2);
};

const Data& data() {
  static const Data shared;
  return shared;
}

// A search backend under comparison. FAISS IndexFlatIP is compiled in when CMake finds
// libfaiss (MULTIPOS_BENCH_FAISS); it is registered, timed and ratioed like exact_search.
struct Backend {
  std::string name;
  std::function<void(const at::Tensor& queries, const at::Tensor& corpus)> search;
  std::function<void(const at::Tensor& corpus)> prepare;  // optional, untimed (index build)
};

#ifdef MULTIPOS_BENCH_FAISS
// Built once per process by the backend's untimed prepare step, as a FAISS user would.
std::unique_ptr<faiss::IndexFlatIP>& faiss_index() {
  static std::unique_ptr<faiss::IndexFlatIP> index;
  return index;
}
#endif

std::vector<Backend> backends() {
  return {
      {"exact_search", [](const at::Tensor& queries, const at::Tensor& corpus) {
         multipos::eval::SearchOptions options;
         options.k = kTopK;
         benchmark::DoNotOptimize(multipos::eval::exact_search(queries, corpus, options));
       },
       nullptr},
#ifdef MULTIPOS_BENCH_FAISS
      // FAISS IndexFlatIP: exact inner-product search, top-kTopK, same data and thread count
      // (omp_set_num_threads in main). The index (a copy of the corpus) is built untimed.
      {"faiss_flat_ip",
       [](const at::Tensor& queries, const at::Tensor& /*corpus*/) {
         std::vector<float> distances(static_cast<std::size_t>(queries.size(0)) * kTopK);
         std::vector<faiss::Index::idx_t> labels(distances.size());
         faiss_index()->search(queries.size(0), queries.data_ptr<float>(),
                               static_cast<faiss::Index::idx_t>(kTopK), distances.data(), labels.data());
         benchmark::DoNotOptimize(labels.data());
       },
       [](const at::Tensor& corpus) {
         if (faiss_index()) return;
         faiss_index() = std::make_unique<faiss::IndexFlatIP>(kDims);
         faiss_index()->add(corpus.size(0), corpus.data_ptr<float>());
       }},
#endif
  };
}

// The reference rate: one plain product of the whole query and corpus matrices.
void BM_PlainMatmul(benchmark::State& state) {
  const Data& d = data();
  for (auto _ : state) benchmark::DoNotOptimize(at::mm(d.queries, d.corpus.t()));
  state.counters["GFLOP/s"] =
      benchmark::Counter(kFlops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void run_backend(benchmark::State& state, const Backend& backend) {
  const Data& d = data();
  if (backend.prepare) backend.prepare(d.corpus);
  for (auto _ : state) backend.search(d.queries, d.corpus);
  state.counters["GFLOP/s"] =
      benchmark::Counter(kFlops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// Keeps the console output and remembers each benchmark's rate for the closing summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const auto rate = run.counters.find("GFLOP/s");
      if (rate != run.counters.end()) {
        rates_[run.benchmark_name()] = {rate->second.value, run.GetAdjustedRealTime()};
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void print_summary() const {
    const auto plain = rates_.find("BM_PlainMatmul/iterations:3/real_time");
    if (plain == rates_.end()) return;
#ifdef MULTIPOS_BENCH_FAISS
    std::printf("\nFAISS %d.%d.%d, OpenMP threads: %d\n", FAISS_VERSION_MAJOR, FAISS_VERSION_MINOR,
                FAISS_VERSION_PATCH, omp_get_max_threads());
#else
    std::printf("\nFAISS not found (apt-get install libfaiss-dev)\n");
#endif
    std::printf("\nthreads: %d (at::get_num_threads)\n", at::get_num_threads());
    std::printf("%-32s %10s %10s %8s\n", "benchmark", "ms", "GFLOP/s", "ratio");
    for (const auto& [name, figures] : rates_) {
      std::printf("%-32s %10.1f %10.1f %8.3f\n", name.c_str(), figures.second, figures.first,
                  figures.first / plain->second.first);
    }
    const auto ours = rates_.find("BM_exact_search/iterations:3/real_time");
    const auto faiss = rates_.find("BM_faiss_flat_ip/iterations:3/real_time");
    if (ours != rates_.end() && faiss != rates_.end()) {
      std::printf("ratio multipos/FAISS (time): %.3f  (GFLOP/s: %.3f)\n",
                  ours->second.second / faiss->second.second, ours->second.first / faiss->second.first);
    }
  }

 private:
  std::map<std::string, std::pair<double, double>> rates_;  // name -> (GFLOP/s, ms)
};

// OpenBLAS (what LibTorch and FAISS both call here on Debian) keeps its own thread pool, which
// at::set_num_threads does not size; weak, so other BLAS builds link and skip it.
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

int take_threads_flag(int& argc, char** argv) {
  int threads = 0;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      threads = std::atoi(argv[i] + 10);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return threads;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = take_threads_flag(argc, argv);
  if (threads > 0) at::set_num_threads(threads);
  if (openblas_set_num_threads != nullptr) openblas_set_num_threads(at::get_num_threads());
#ifdef MULTIPOS_BENCH_FAISS
  omp_set_num_threads(at::get_num_threads());
#endif
  benchmark::RegisterBenchmark("BM_PlainMatmul", BM_PlainMatmul)
      ->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  for (const Backend& backend : backends()) {
    benchmark::RegisterBenchmark(("BM_" + backend.name).c_str(), run_backend, backend)
        ->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("corpus %lld x %lld float32, %lld queries, top-%zu, threads %d\n",
              static_cast<long long>(kCorpusRows), static_cast<long long>(kDims),
              static_cast<long long>(kQueryRows), kTopK, at::get_num_threads());
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  benchmark::Shutdown();
  return 0;
}
