// Load for the studio frame-time benchmark (tests/bench/bench_studio_frames.sh), via RunStore:
//   bench_studio_load populate DB [runs=20] [points=100000]
//     a fresh DB with `runs` finished runs of `points` "loss" points each;
//   bench_studio_load write DB RUN_ID [seconds=120] [rows=50] [period_ms=100]
//     a stand-in trainer: marks the run running under its own pid, then every period_ms appends
//     `rows` "loss" points after the run's last step and heartbeats; stops after `seconds` (the
//     bound if nobody stops it) or on SIGTERM/SIGINT, and marks the run finished.
// Prints what it did (rows written, rows/s) on exit.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "core/store/run_store.hpp"

namespace {

using multipos::store::RunStore;
using multipos::store::ScalarRow;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

int populate(const std::string& path, int runs, int64_t points) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  RunStore store(path);
  auto start = Clock::now();
  for (int r = 0; r < runs; ++r) {
    multipos::store::NewRun run;
    run.name = "bench" + std::to_string(r);
    run.objective = r % 2 ? "infonce" : "jointlh";
    run.dataset = "synthetic";
    run.config_json = "{}";
    run.total_steps = points;
    int64_t id = store.create_run(run);
    store.mark_started(id, 0, "bench");
    std::vector<ScalarRow> rows;
    rows.reserve(static_cast<size_t>(points));
    for (int64_t step = 0; step < points; ++step)
      rows.push_back({"loss", step, 1.0e9 + static_cast<double>(step), 2.0 / (1.0 + 0.001 * static_cast<double>(step)) +
                                                                        0.05 * static_cast<double>((step * 7919 + r) % 13) / 13.0});
    store.append_scalars(id, rows);
    store.mark_finished(id, multipos::store::RunStatus::finished);
  }
  std::printf("populated %s: %d runs x %lld points in %.1f s\n", path.c_str(), runs, static_cast<long long>(points),
              std::chrono::duration<double>(Clock::now() - start).count());
  return 0;
}

int write(const std::string& path, int64_t run_id, double seconds, int rows_per_flush, int period_ms) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  RunStore store(path);
  store.mark_started(run_id, getpid(), "bench");
  int64_t step = 0;
  for (const auto& point : store.scalars_after(0, run_id, int64_t{1} << 40)) step = std::max(step, point.step + 1);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  auto next = start;
  int64_t written = 0;
  while (!g_stop && Clock::now() < deadline) {
    std::vector<ScalarRow> rows;
    for (int i = 0; i < rows_per_flush; ++i, ++step)
      rows.push_back({"loss", step, multipos::store::now_seconds(), 1.0 / (1.0 + 0.001 * static_cast<double>(step))});
    store.append_scalars(run_id, rows);
    store.heartbeat(run_id);
    written += rows_per_flush;
    next += std::chrono::milliseconds(period_ms);
    std::this_thread::sleep_until(next);
  }
  store.mark_finished(run_id, multipos::store::RunStatus::finished);
  double took = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("writer run %lld: %lld rows in %.1f s (%.0f rows/s)\n", static_cast<long long>(run_id),
              static_cast<long long>(written), took, static_cast<double>(written) / took);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "populate" && argc >= 3)
    return populate(argv[2], argc > 3 ? std::atoi(argv[3]) : 20, argc > 4 ? std::atoll(argv[4]) : 100000);
  if (mode == "write" && argc >= 4)
    return write(argv[2], std::atoll(argv[3]), argc > 4 ? std::atof(argv[4]) : 120.0, argc > 5 ? std::atoi(argv[5]) : 50,
                 argc > 6 ? std::atoi(argv[6]) : 100);
  std::fprintf(stderr,
               "usage: bench_studio_load populate DB [runs] [points]\n"
               "       bench_studio_load write DB RUN_ID [seconds] [rows] [period_ms]\n");
  return 2;
}
