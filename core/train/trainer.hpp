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

namespace multipos::dist {
class DistributedContext;
}

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
  // Fault injection for tests: true makes that step's loss NaN; before_step may throw (a device
  // error, say) as if the step itself had.
  std::function<bool(int64_t step)> inject_nonfinite_loss;
  std::function<void(int64_t step)> before_step;
  // Tests of gradient caching (batch.cache_chunk > 0). skip_replay: the second pass draws fresh
  // random numbers instead of the first pass's (with dropout on, the gradient is then wrong, and
  // the exactness tests must see it). autograd_reference: each chunk is encoded once with
  // autograd and the loss back-propagated through all of them: the uncached gradient under the
  // same dropout masks as the cached path.
  bool gradient_cache_skip_replay = false;
  bool gradient_cache_autograd_reference = false;
  // fp16 only: true makes that step's scaled gradients overflow (an inf before unscaling), as a too
  // large loss scale does, so the scaler's skip-and-halve path runs on demand.
  std::function<bool(int64_t step)> inject_fp16_overflow;
};

struct TrainOutcome {
  int64_t steps_done = 0;
  double final_loss = 0;
  bool stopped_early = false;
  int64_t resumed_from_step = -1;  // last step of the checkpoint it resumed from; -1 = fresh start
  int64_t skipped_batches = 0;
};

// Trains the run `run_id` (already created in `store`); marks it running, then finished or
// stopped. When the run has a checkpoint of its own (an earlier worker stopped or died), resumes
// from the newest one: its rows after the checkpoint's step are deleted first, so every series
// holds each step once, and the results equal an uninterrupted run's. A checkpoint of another
// config is refused (ResumeError naming the fields). Without a checkpoint the run restarts at
// step 0, its earlier rows deleted. Exceptions propagate (the caller marks the run failed).
//
// With `distributed` (a joined group whose world size equals config.distributed.world_size), every
// rank calls this: each scores its share of every global batch, gradients are averaged across
// ranks, and only rank 0 writes to the store and checkpoints. The ranks check first that they
// train the same config from the same step. A collective failure throws dist::DistributedError.
// optimizer.precision "auto" is resolved on the first start and written back to the stored config.
TrainOutcome train_run(const TrainConfig& config, store::RunStore& store, int64_t run_id, const TrainHooks& hooks,
                       dist::DistributedContext* distributed = nullptr);

}  // namespace multipos::train
