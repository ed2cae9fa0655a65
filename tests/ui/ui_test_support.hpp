// Helpers shared by the UI tests: a temporary directory removed on scope exit and a small run
// store filled with a few runs and loss curves through the RunStore API.
#pragma once

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "core/store/run_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace multipos::ui::testing {

using multipos::testing::TempDir;

// Three runs of one launch group (one per objective): running, finished and failed, each with
// `points` loss and lr points. Returns the ids in creation order through `ids` when given.
inline void fill_demo_store(const std::string& db_path, int points, std::vector<int64_t>* ids = nullptr) {
  store::RunStore store(db_path);
  const char* objectives[] = {"infonce", "multi_positive", "listwise"};
  for (int r = 0; r < 3; ++r) {
    store::NewRun run;
    run.name = std::string("demo-") + objectives[r];
    run.objective = objectives[r];
    run.dataset = "synthetic-small";
    run.total_steps = points * 2;
    run.group_id = "group-1";
    const int64_t id = store.create_run(run);
    if (ids) ids->push_back(id);
    store.mark_started(id, 1000 + r, "test-host");
    std::vector<store::ScalarRow> rows;
    for (int step = 0; step < points; ++step) {
      const double loss = 2.0 * std::exp(-step / (80.0 + 40.0 * r)) + 0.25 + 0.1 * r +
                          0.05 * std::sin(step * 0.9 + r);
      rows.push_back({"loss", step, store::now_seconds(), loss});
      rows.push_back({"lr", step, store::now_seconds(), 1e-4 * std::min(1.0, step / 50.0)});
    }
    store.append_scalars(id, rows);
    if (r == 1) store.mark_finished(id, store::RunStatus::finished);
    if (r == 2) store.mark_finished(id, store::RunStatus::failed, "loss became NaN at step 42");
  }
}

// Polls `condition` every 10 ms until it holds or `timeout` passes (a hang guard: generous for a loaded machine).
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace multipos::ui::testing
