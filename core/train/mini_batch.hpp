// One mini-batch of a training step, split in the parts the plain and the gradient-cached paths
// share: drawing this rank's share of a global batch, autocast around the encoder, and scoring
// the vectors (gathered across ranks when configured) into the loss, its backward pass and the
// in-batch diagnostics. Private to core/train (train_step.cpp, cached_step.cpp).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/objectives/batch_builder.hpp"
#include "core/train/precision_choice.hpp"
#include "core/train/training_session.hpp"

namespace multipos::train {

struct MiniBatch {
  double loss = 0;
  int64_t examples = 0;
};

// What one process scores of a global batch: all of it alone; in a group of N, its 1/N of the
// queries with their groups. `scored` is the layout of the matrix the loss sees: the shard's,
// or the whole batch's when vectors are gathered across ranks. Query i's passages are rows
// i*g .. i*g+g-1 of passage_texts.
struct RankBatch {
  std::vector<int32_t> query_indices;  // this rank's queries
  std::vector<int64_t> passage_ids;    // this rank's passages
  objectives::ScoreLayout scored;
  std::vector<std::string> query_texts, passage_texts;
};

// The type the loss is computed in: float32, or float64 under precision fp64.
at::ScalarType loss_type(const TrainConfig& config);

// Draws the next global batch (every rank the same: same seed, sampler and rng) and keeps this
// rank's share; logs the builder's warnings.
RankBatch draw_rank_batch(TrainingSession& session);

// Autocast for the scope's lifetime on the encoder's device type; nothing for fp32.
class AutocastScope {
 public:
  AutocastScope(const std::string& precision, const at::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false, cuda_ = false, previous_ = false;
};

// Scores this rank's `queries` and `passages` (gathered across ranks when
// distributed.gather_negatives), computes the loss and back-propagates loss x `loss_factor` (x the
// world size when gathered) into whatever the vectors came from; records the in-batch
// diagnostics when asked. A nonfinite loss is returned without a backward pass.
MiniBatch score_and_backward(TrainingSession& session, int64_t step, const RankBatch& batch, at::Tensor queries,
                             at::Tensor passages, bool record_diagnostics, double loss_factor, ScalarWriter& writer);

// The same mini-batch with gradient caching (batch.cache_chunk > 0), in cached_step.cpp.
MiniBatch run_cached_mini_batch(TrainingSession& session, int64_t step, bool record_diagnostics, double loss_factor,
                                ScalarWriter& writer);

}  // namespace multipos::train
