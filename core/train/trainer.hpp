// The training loop of one run: builds the dataset, encoder and optimizer a TrainConfig names,
// trains with the run's objective on the shared multi-positive batch layout, and records loss,
// learning rate, throughput, in-batch diagnostics, probe snapshots and dev metrics in the store.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "core/store/run_store.hpp"
#include "core/train/train_config.hpp"

namespace multipos::train {

// A fault of the run itself (NaN loss, ...); the message says at which step and why.
class TrainingFault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StepProgress {
  int64_t step = 0;          // 0-based step just finished
  int64_t total_steps = 0;
  double loss = 0;
  double examples_per_second = 0;  // queries per second over the recent steps
  double eta_seconds = 0;
};

struct TrainHooks {
  std::function<void(const StepProgress&)> on_progress;  // every print_every steps and at the end
  std::function<void(const std::string&)> on_message;    // warnings and notable events
  std::function<bool()> should_stop;                      // polled every step; true ends the run early
};

struct TrainOutcome {
  int64_t steps_done = 0;
  double final_loss = 0;
  bool stopped_early = false;
};

// Trains the run `run_id` (already created in `store`); marks it running, then finished or
// stopped. Exceptions propagate (the caller marks the run failed with the message).
TrainOutcome train_run(const TrainConfig& config, store::RunStore& store, int64_t run_id, const TrainHooks& hooks);

}  // namespace multipos::train
