// One optimizer step of a run: mini-batches (gradient accumulation), the encoder's forward pass
// under autocast when mixed precision is on, the loss, backward, fp16 loss scaling, clipping and
// the AdamW update; device out-of-memory turned into a message that says what to lower.
#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/util/Exception.h>
#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>

#include <cmath>
#include <limits>
#include <new>

#include "core/dist/batch_shard.hpp"
#include "core/dist/collectives.hpp"
#include "core/objectives/loss.hpp"
#include "core/objectives/masks.hpp"
#include "core/train/mini_batch.hpp"
#include "core/train/precision_choice.hpp"
#include "core/train/training_session.hpp"

namespace multipos::train {

AutocastScope::AutocastScope(const std::string& precision, const at::Device& device) {
  if (precision != "bf16" && precision != "fp16") return;  // fp32, fp64
  const at::ScalarType type = precision == "bf16" ? at::kBFloat16 : at::kHalf;
  active_ = true;
  cuda_ = device.is_cuda();
  if (cuda_) {
    previous_ = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(type);
    at::autocast::set_enabled(true);
  } else {
    previous_ = at::autocast::is_cpu_enabled();
    at::autocast::set_autocast_cpu_dtype(type);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();  // cached casts of the weights
  if (cuda_)
    at::autocast::set_enabled(previous_);
  else
    at::autocast::set_cpu_enabled(previous_);
}

namespace {

bool is_out_of_memory(const c10::Error& error) {
  return dynamic_cast<const c10::OutOfMemoryError*>(&error) != nullptr ||
         std::string(error.what_without_backtrace()).find("out of memory") != std::string::npos;
}

TrainingFault out_of_memory(const TrainingSession& session, int64_t step) {
  const auto& batch = session.config.batch;
  const int64_t smaller = std::max<int64_t>(1, batch.queries / 2);
  return TrainingFault("out of memory on " + session.encoder->device().str() + " at step " + std::to_string(step) +
                       " with batch.queries = " + std::to_string(batch.queries) + " (x batch.group_size " +
                       std::to_string(batch.group_size) + " = " + std::to_string(batch.queries * batch.group_size) +
                       " passages per mini-batch" +
                       (batch.cache_chunk > 0 ? ", encoded batch.cache_chunk = " + std::to_string(batch.cache_chunk) +
                                                    " queries at a time): lower batch.cache_chunk, e.g. to " +
                                                    std::to_string(std::max<int64_t>(1, batch.cache_chunk / 2))
                                              : std::string("): set batch.cache_chunk (gradient caching: the same "
                                                            "gradient in the memory of a chunk), e.g. to ") +
                                                    std::to_string(smaller) + ", or lower batch.queries, e.g. to " +
                                                    std::to_string(smaller) +
                                                    ", and raise optimizer.accumulation_steps to keep the effective "
                                                    "batch"));
}

std::vector<std::string> texts_of(const std::vector<std::string>& table, const std::vector<int64_t>& ids) {
  std::vector<std::string> texts;
  texts.reserve(ids.size());
  for (int64_t id : ids) texts.push_back(table[static_cast<size_t>(id)]);
  return texts;
}

RankBatch share_of_batch(TrainingSession& session, std::vector<int32_t> global_queries, objectives::Batch global) {
  dist::DistributedContext* group = session.distributed;
  if (!group) return {std::move(global_queries), std::move(global.passage_ids), std::move(global.layout), {}, {}};
  const int64_t rows = static_cast<int64_t>(global_queries.size()) / group->world_size();
  const int64_t first = rows * group->rank();
  objectives::Batch shard = dist::shard_of_batch(global, first, rows, session.config.batch.group_size);
  RankBatch result;
  result.query_indices.assign(global_queries.begin() + first, global_queries.begin() + first + rows);
  result.passage_ids = std::move(shard.passage_ids);
  result.scored = session.config.distributed.gather_negatives ? std::move(global.layout) : std::move(shard.layout);
  return result;
}

// Scores one mini-batch and back-propagates loss x `loss_factor` (1 / accumulation steps, times
// the fp16 loss scale). A nonfinite loss is returned without a backward pass.
MiniBatch run_mini_batch(TrainingSession& session, int64_t step, bool record_diagnostics, double loss_factor,
                         ScalarWriter& writer) {
  if (session.config.batch.cache_chunk > 0)
    return run_cached_mini_batch(session, step, record_diagnostics, loss_factor, writer);
  RankBatch batch = draw_rank_batch(session);
  at::Tensor queries, passages;
  {
    AutocastScope autocast(effective_precision(session.config.optimizer), session.encoder->device());
    queries = session.encoder->encode(batch.query_texts, model::TextRole::query);
    passages = session.encoder->encode(batch.passage_texts, model::TextRole::passage);
  }
  // The loss and its softmaxes stay in float32 (fp64: float64) whatever the encoder computed in.
  const at::ScalarType type = loss_type(session.config);
  return score_and_backward(session, step, batch, queries.to(type), passages.to(type), record_diagnostics, loss_factor,
                            writer);
}

}  // namespace

at::ScalarType loss_type(const TrainConfig& config) {
  return effective_precision(config.optimizer) == "fp64" ? at::kDouble : at::kFloat;
}

RankBatch draw_rank_batch(TrainingSession& session) {
  const TrainConfig& config = session.config;
  // Every rank draws the same global batch (same seed, sampler and rng) and keeps its share.
  std::vector<int32_t> global_queries = session.sampler->next(config.batch.queries);
  std::vector<objectives::QueryCandidates> batch_queries;
  for (int32_t q : global_queries) batch_queries.push_back(session.candidates[q]);
  objectives::Batch global = session.builder->build(batch_queries, session.sampler->epoch(), session.batch_rng);
  for (const auto& warning : global.layout.warnings) session.message(warning, "warning");
  RankBatch batch = share_of_batch(session, std::move(global_queries), std::move(global));
  for (int32_t q : batch.query_indices) batch.query_texts.push_back(session.dataset.query_texts[q]);
  batch.passage_texts = texts_of(session.dataset.passage_texts, batch.passage_ids);
  return batch;
}

MiniBatch score_and_backward(TrainingSession& session, int64_t step, const RankBatch& batch, at::Tensor queries,
                             at::Tensor passages, bool record_diagnostics, double loss_factor, ScalarWriter& writer) {
  const TrainConfig& config = session.config;
  const bool gathered = session.distributed && config.distributed.gather_negatives;
  if (gathered) {  // every rank scores the whole batch; backward reaches only its own rows
    queries = dist::gather_rows(*session.distributed, queries);
    passages = dist::gather_rows(*session.distributed, passages);
  }
  at::Tensor similarities = objectives::similarity_matrix(queries, passages, config.objective);
  objectives::ScoreMasks masks = objectives::make_score_masks(batch.scored, similarities.scalar_type());
  // Listwise objectives have no closed form: keep autograd's dL/dS for the diagnostics instead
  // of running a second backward pass; the others reuse the loss's row normalisers.
  const bool autograd_diagnostics = !objectives::has_closed_form_gradient(config.objective.name);
  const bool diagnostics = record_diagnostics && config.diagnostics && session.writes;
  if (autograd_diagnostics && diagnostics) similarities.retain_grad();
  objectives::RowNormalisers normalisers;
  at::Tensor loss = objectives::objective_loss(similarities, masks, config.objective, &normalisers);
  if (session.hooks.inject_nonfinite_loss && session.hooks.inject_nonfinite_loss(step))
    loss = loss * std::numeric_limits<double>::quiet_NaN();
  // Gathered: the loss is the same on every rank. Sharded: the batch loss is the mean of the
  // ranks' losses. Either way all ranks agree on it, so they skip a nonfinite batch together.
  double loss_value = loss.item<double>();
  if (session.distributed && !gathered) loss_value = session.distributed->mean_over_ranks(loss_value);
  MiniBatch result{loss_value, config.batch.queries};
  if (!std::isfinite(result.loss)) return result;
  // Gathered, each rank's backward yields only its own rows' share of dL/dθ: the shares sum to the
  // single-process gradient, so scale by N before average_gradients divides by N.
  if (gathered) loss_factor *= session.distributed->world_size();
  if (loss_factor == 1.0)
    loss.backward();
  else
    (loss * loss_factor).backward();
  if (diagnostics) {
    at::Tensor gradient = autograd_diagnostics ? similarities.grad() / loss_factor : at::Tensor();
    record_in_batch_diagnostics(similarities.detach(), gradient, normalisers, masks, batch.scored, config.objective,
                                step, writer);
  }
  return result;
}

namespace {

// fp16: gradients were computed on loss x scale; divide them back. False when one overflowed.
bool unscale_gradients(TrainingSession& session, double scale) {
  bool finite = true;
  for (auto& parameter : session.encoder->parameters()) {
    if (!parameter.grad().defined()) continue;
    parameter.mutable_grad().div_(scale);
    if (finite && !at::isfinite(parameter.grad()).all().item<bool>()) finite = false;
  }
  return finite;
}

// Dynamic loss scaling as mixed-precision training usually does it: halve on overflow, double
// after 2000 clean steps.
void update_loss_scale(FaultCounters& faults, bool overflowed) {
  if (overflowed) {
    faults.loss_scale = std::max(1.0, faults.loss_scale / 2);
    faults.steps_since_scale_change = 0;
  } else if (++faults.steps_since_scale_change >= 2000) {
    faults.loss_scale *= 2;
    faults.steps_since_scale_change = 0;
  }
}

}  // namespace

StepResult run_train_step(TrainingSession& session, int64_t step, double lr, ScalarWriter& writer) {
  const TrainConfig& config = session.config;
  auto& groups = session.optimizer->param_groups();
  for (size_t g = 0; g < groups.size(); ++g)
    static_cast<torch::optim::AdamWOptions&>(groups[g].options()).lr(lr * session.lr_multipliers[g]);
  session.optimizer->zero_grad();

  const bool fp16 = effective_precision(config.optimizer) == "fp16";
  const int64_t accumulation = config.optimizer.accumulation_steps;
  const double scale = fp16 ? session.faults.loss_scale : 1.0;
  StepResult result;
  double loss_sum = 0;
  try {
    if (session.hooks.before_step) session.hooks.before_step(step);
    for (int64_t micro = 0; micro < accumulation; ++micro) {
      MiniBatch mini = run_mini_batch(session, step, micro == 0, scale / static_cast<double>(accumulation), writer);
      result.examples += mini.examples;
      loss_sum += mini.loss;
      if (!std::isfinite(mini.loss)) {
        result.applied = false;
        result.skip_reason = std::string("loss became ") + (std::isnan(mini.loss) ? "NaN" : "infinite");
        break;
      }
    }
  } catch (const c10::Error& error) {
    if (is_out_of_memory(error)) throw out_of_memory(session, step);
    throw;
  } catch (const std::bad_alloc&) {
    throw out_of_memory(session, step);
  }
  result.loss = result.applied ? loss_sum / static_cast<double>(accumulation) : loss_sum;
  if (!result.applied) {
    session.optimizer->zero_grad();
    return result;
  }
  // Before unscaling and clipping, so every rank clips and steps the same averaged gradient.
  if (session.distributed) dist::average_gradients(*session.distributed, session.encoder->parameters());
  if (fp16) {
    if (session.hooks.inject_fp16_overflow && session.hooks.inject_fp16_overflow(step)) {
      for (auto& parameter : session.encoder->parameters())
        if (parameter.grad().defined()) {
          parameter.mutable_grad().view(-1)[0].fill_(std::numeric_limits<double>::infinity());
          break;
        }
    }
    const bool finite = unscale_gradients(session, scale);
    update_loss_scale(session.faults, !finite);
    if (!finite) {  // an fp16 overflow, not a fault of the run: retry the next batch at half the scale
      result.applied = false;
      result.overflowed = true;
      session.optimizer->zero_grad();
      return result;
    }
  }
  if (config.optimizer.clip_norm > 0) {
    double norm = torch::nn::utils::clip_grad_norm_(session.encoder->parameters(), config.optimizer.clip_norm);
    if (!std::isfinite(norm)) {
      result.applied = false;
      result.skip_reason = std::string("gradient norm became ") + (std::isnan(norm) ? "NaN" : "infinite");
      session.optimizer->zero_grad();
      return result;
    }
  }
  session.optimizer->step();
  return result;
}

}  // namespace multipos::train
