// The state one training run carries from step to step (dataset, encoder, optimizer, sampler,
// RNGs, probe set, fault counters) and the step functions over it. Private to core/train:
// trainer.cpp sets a session up and drives the loop; train_step.cpp runs one optimizer step.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/optim/adamw.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/model/encoder.hpp"
#include "core/objectives/batch_builder.hpp"
#include "core/store/run_store.hpp"
#include "core/train/probes.hpp"
#include "core/train/scalar_writer.hpp"
#include "core/train/train_config.hpp"
#include "core/train/trainer.hpp"
#include "core/train/trainer_state.hpp"

namespace multipos::dist {
class DistributedContext;
}

namespace multipos::train {

struct TrainingSession {
  TrainingSession(const TrainConfig& config, store::RunStore& store, int64_t run_id, const TrainHooks& hooks,
                  dist::DistributedContext* distributed);

  const TrainConfig& config;
  store::RunStore& store;
  int64_t run_id;
  const TrainHooks& hooks;
  dist::DistributedContext* distributed;  // null: a single-process run
  bool writes;  // false on ranks other than 0: they never write rows, checkpoints or run status
  data::Dataset dataset;
  std::shared_ptr<model::Encoder> encoder;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::vector<double> lr_multipliers;  // one per optimizer parameter group
  std::vector<objectives::QueryCandidates> candidates;
  std::unique_ptr<objectives::BatchBuilder> builder;
  std::unique_ptr<QuerySampler> sampler;
  int64_t training_positives = 0;  // over the training queries: data/positives_used's denominator
  std::mt19937_64 batch_rng;
  ProbeSet probes;
  FaultCounters faults;

  ResumableState resumable() { return {*encoder, *optimizer, *sampler, batch_rng, faults, &builder->usage()}; }
  void message(const std::string& text, const std::string& level = "info");  // logged by rank 0 only
};

// AdamW over the encoder's parameter groups, each with its lr multiplier (config field
// optimizer.lr_multipliers; an unknown group name throws util::ConfigError naming the field).
void build_optimizer(TrainingSession& session, const std::string& source);

// What one optimizer step did.
struct StepResult {
  bool applied = true;     // false: a nonfinite loss or gradient made the step skip its batch
  double loss = 0;         // mean over the accumulated mini-batches (NaN/inf when not applied)
  int64_t examples = 0;    // queries seen
  bool overflowed = false; // fp16 only: gradients overflowed at this loss scale (not a fault)
  std::string skip_reason;
};

// Builds and scores `accumulation_steps` mini-batches, back-propagates, clips and steps the
// optimizer at learning rate `lr` (times each group's multiplier); records the in-batch
// diagnostics of the first mini-batch. Device out-of-memory becomes a TrainingFault naming the
// batch size to lower; a nonfinite loss is returned (not applied), the caller applies the policy.
StepResult run_train_step(TrainingSession& session, int64_t step, double lr, ScalarWriter& writer);

}  // namespace multipos::train
