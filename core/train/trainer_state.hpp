// Everything a run needs besides its encoder weights to continue exactly where it stopped: the
// query sampler's position, the batch RNG, LibTorch's default generators (dropout), the AdamW
// moments keyed by parameter name, and the fault counters. Saved beside the encoder in each
// checkpoint folder (optimizer.safetensors + trainer_state.json), restored bit for bit.
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>
#include <torch/optim/adamw.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/model/encoder.hpp"
#include "core/objectives/batch_builder.hpp"
#include "core/util/rng.hpp"

namespace multipos::train {

// Walks the training queries in a fresh seeded permutation per epoch, `count` at a time. Its
// state is (epoch, cursor, the RNG state the current permutation was drawn from), so a restored
// sampler redraws the same permutation instead of storing it.
class QuerySampler {
 public:
  QuerySampler(std::vector<int32_t> queries, uint64_t seed);
  std::vector<int32_t> next(int64_t count);
  int64_t epoch() const { return epoch_; }
  double epoch_progress() const;
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);  // throws std::invalid_argument on a foreign state

 private:
  void reshuffle();
  std::vector<int32_t> queries_, order_;
  util::Rng rng_;
  uint64_t shuffle_state_ = 0;  // rng_ state before the current permutation was drawn
  size_t cursor_ = 0;
  int64_t epoch_ = 0;
};

// Counters of the nonfinite-loss policy and the fp16 loss scale; part of the resumable state.
struct FaultCounters {
  int64_t consecutive_skips = 0;
  int64_t total_skips = 0;
  double loss_scale = 65536.0;    // fp16 only: dynamic loss scaling
  int64_t steps_since_scale_change = 0;
};

// The mutable training state a checkpoint captures, by reference.
struct ResumableState {
  model::Encoder& encoder;
  torch::optim::AdamW& optimizer;
  QuerySampler& sampler;
  std::mt19937_64& batch_rng;
  FaultCounters& faults;
  objectives::PositiveUsage* positive_usage = nullptr;  // which positives batches have used so far
};

// Writes the encoder (model.safetensors), the optimizer moments (optimizer.safetensors) and
// trainer_state.json into `dir`, then checkpoint.json last; `step` is the last completed step.
void save_resumable_state(const std::string& dir, const ResumableState& state, int64_t step,
                          const nlohmann::json& config, const nlohmann::json& run_identity);

// Restores everything save_resumable_state wrote; refuses a checkpoint of another encoder config
// or whose tensors do not match the module. Returns the checkpoint's step.
int64_t load_resumable_state(const std::string& dir, const ResumableState& state, const nlohmann::json& encoder_config);

}  // namespace multipos::train
