// Helpers of the worker soak and resume tests: a run created with the quick preset's config (so
// two databases hold identical runs), a worker started as our own child, and the invariants a
// database must keep however its workers die.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <functional>
#include <map>
#include <thread>

#include "core/store/run_store.hpp"
#include "core/train/train_config.hpp"
#include "core/util/config_reader.hpp"
#include "tests/support/run_binary.hpp"

namespace multipos::testing {

inline int64_t create_quick_run(store::RunStore& store, const nlohmann::json& overrides) {
  nlohmann::json json = util::ConfigReader::load_file(kQuickPreset);
  json.merge_patch(overrides);
  train::TrainConfig config = train::train_config_from_json(json, "soak");
  store::NewRun run;
  run.name = run.objective = config.objective.name;
  run.dataset = "synthetic";
  run.config_json = train::to_json(config).dump();
  run.total_steps = config.steps;
  return store.create_run(run);
}

// `multipos train --db DB --run ID --quiet` as a child of this process, output discarded.
// `in_child` runs in the child before exec (set an environment variable, a resource limit).
inline pid_t start_worker(const std::string& db, int64_t run_id, const std::function<void()>& in_child = {}) {
  pid_t pid = fork();
  if (pid == 0) {
    if (in_child) in_child();
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    std::string id = std::to_string(run_id);
    execl(kBinary.c_str(), kBinary.c_str(), "train", "--db", db.c_str(), "--run", id.c_str(), "--quiet",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Each step of `name` stored exactly once for steps 0..last; returns the values by step.
inline std::map<int64_t, double> expect_each_step_once(const store::RunStore& store, int64_t run_id,
                                                       const std::string& name, int64_t last) {
  std::map<int64_t, double> values;
  std::map<int64_t, int> counts;
  for (const auto& point : store.scalars_after(0, run_id))
    if (point.name == name) {
      ++counts[point.step];
      values[point.step] = point.value;
    }
  EXPECT_EQ(static_cast<int64_t>(counts.size()), last + 1) << name << ": steps missing";
  int64_t expected = 0;
  for (const auto& [step, count] : counts) {
    EXPECT_EQ(step, expected++) << name << ": a step is missing before " << step;
    EXPECT_EQ(count, 1) << name << ": step " << step << " stored " << count << " times";
  }
  return values;
}

// Evaluation aggregates: one per (step, metric).
inline void expect_each_evaluation_once(const store::RunStore& store, int64_t run_id) {
  std::map<std::pair<int64_t, std::string>, int> counts;
  for (const auto& row : store.evaluations(run_id))
    if (row.query_id.empty()) ++counts[{row.step, row.metric}];
  EXPECT_FALSE(counts.empty());
  for (const auto& [key, count] : counts) EXPECT_EQ(count, 1) << key.second << " at step " << key.first;
}

}  // namespace multipos::testing
