// Gradient caching (Gao et al. 2021, "Scaling Deep Contrastive Learning Batch Size under Memory
// Limited Setup"): one mini-batch's gradient computed exactly with the memory of one chunk.
//   1. Encode the batch chunk by chunk (batch.cache_chunk queries and their groups) without
//      autograd, saving LibTorch's generator states before each chunk.
//   2. Score the cached vectors, as leaf tensors, on the whole batch's matrix: the loss, its
//      backward down to dL/d(vectors) and the in-batch diagnostics are the plain path's own code.
//   3. Encode each chunk again with autograd after restoring its generator states (dropout draws
//      the same masks) and back-propagate the cached dL/d(vectors) of its rows.
// The parameters' gradient is then the whole batch's: the chain rule through the encoder is
// linear in the upstream gradient, and each chunk's vectors are exactly the first pass's.
#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "core/train/gradient_cache.hpp"
#include "core/train/mini_batch.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::train {

namespace {

// LibTorch's default generators a forward pass can draw from: the CPU one, and the training
// device's when it is a GPU (dropout on CUDA draws from it).
struct GeneratorStates {
  at::Tensor cpu, device;
};

GeneratorStates save_generators(const at::Device& device) {
  auto save = [](at::Generator generator) {
    std::lock_guard<std::mutex> lock(generator.mutex());
    return generator.get_state();
  };
  GeneratorStates states;
  states.cpu = save(at::globalContext().defaultGenerator(at::kCPU));
  if (device.is_cuda()) states.device = save(at::globalContext().defaultGenerator(device));
  return states;
}

void restore_generators(const GeneratorStates& states, const at::Device& device) {
  auto restore = [](at::Generator generator, const at::Tensor& state) {
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
  };
  restore(at::globalContext().defaultGenerator(at::kCPU), states.cpu);
  if (device.is_cuda()) restore(at::globalContext().defaultGenerator(device), states.device);
}

// Queries [first, first + count) of this rank's batch and their groups' passages.
struct Chunk {
  int64_t first = 0, count = 0;
  std::vector<std::string> query_texts, passage_texts;
};

std::vector<Chunk> split_into_chunks(const RankBatch& batch, int64_t chunk_queries, int64_t group_size) {
  const auto queries = static_cast<int64_t>(batch.query_texts.size());
  std::vector<Chunk> chunks;
  for (int64_t first = 0; first < queries; first += chunk_queries) {
    Chunk chunk;
    chunk.first = first;
    chunk.count = std::min(chunk_queries, queries - first);  // the last chunk may be smaller
    chunk.query_texts.assign(batch.query_texts.begin() + first, batch.query_texts.begin() + first + chunk.count);
    chunk.passage_texts.assign(batch.passage_texts.begin() + first * group_size,
                               batch.passage_texts.begin() + (first + chunk.count) * group_size);
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

at::Tensor encode(TrainingSession& session, const std::vector<std::string>& texts, model::TextRole role) {
  AutocastScope autocast(effective_precision(session.config.optimizer), session.encoder->device());
  return session.encoder->encode(texts, role);
}

// The plain path's gradient with the cached path's random numbers (TrainHooks): every chunk
// encoded once with autograd, in the first pass's order, and the loss back-propagated through all.
MiniBatch autograd_reference(TrainingSession& session, int64_t step, const RankBatch& batch,
                             const std::vector<Chunk>& chunks, bool record_diagnostics, double loss_factor,
                             ScalarWriter& writer) {
  const at::ScalarType type = loss_type(session.config);
  std::vector<at::Tensor> queries, passages;
  for (const Chunk& chunk : chunks) {
    queries.push_back(encode(session, chunk.query_texts, model::TextRole::query).to(type));
    passages.push_back(encode(session, chunk.passage_texts, model::TextRole::passage).to(type));
  }
  return score_and_backward(session, step, batch, at::cat(queries), at::cat(passages), record_diagnostics, loss_factor,
                            writer);
}

}  // namespace

void check_gradient_cache(const TrainConfig& config, const model::Encoder& encoder, const std::string& source) {
  if (config.batch.cache_chunk <= 0) return;
  const std::string obstacle = encoder.replay_obstacle();
  if (obstacle.empty()) return;
  throw util::ConfigError(source +
                          ": field 'batch.cache_chunk': gradient caching re-encodes every chunk and needs the "
                          "same random numbers twice, but " +
                          obstacle + "; set batch.cache_chunk to 0");
}

MiniBatch run_cached_mini_batch(TrainingSession& session, int64_t step, bool record_diagnostics, double loss_factor,
                                ScalarWriter& writer) {
  const TrainConfig& config = session.config;
  const at::Device device = session.encoder->device();
  const at::ScalarType type = loss_type(config);
  RankBatch batch = draw_rank_batch(session);
  const int64_t group_size = config.batch.group_size;
  if (batch.passage_texts.size() != batch.query_texts.size() * static_cast<size_t>(group_size))
    throw std::logic_error("gradient caching: " + std::to_string(batch.passage_texts.size()) + " passages for " +
                           std::to_string(batch.query_texts.size()) + " queries of group size " +
                           std::to_string(group_size));
  const std::vector<Chunk> chunks = split_into_chunks(batch, config.batch.cache_chunk, group_size);
  if (session.hooks.gradient_cache_autograd_reference)
    return autograd_reference(session, step, batch, chunks, record_diagnostics, loss_factor, writer);

  // 1. Vectors only: no activations are kept.
  std::vector<GeneratorStates> before_chunk;
  std::vector<at::Tensor> query_parts, passage_parts;
  {
    c10::NoGradGuard no_grad;
    for (const Chunk& chunk : chunks) {
      before_chunk.push_back(save_generators(device));
      query_parts.push_back(encode(session, chunk.query_texts, model::TextRole::query).to(type));
      passage_parts.push_back(encode(session, chunk.passage_texts, model::TextRole::passage).to(type));
    }
  }
  const GeneratorStates after_first_pass = save_generators(device);

  // 2. The whole batch's loss on leaves: their .grad() becomes dL/d(vectors) x loss_factor (x the
  // world size when gathered), exactly what the plain path sends into the encoder.
  at::Tensor queries = at::cat(query_parts).requires_grad_(true);
  at::Tensor passages = at::cat(passage_parts).requires_grad_(true);
  query_parts.clear();
  passage_parts.clear();
  MiniBatch result =
      score_and_backward(session, step, batch, queries, passages, record_diagnostics, loss_factor, writer);
  if (!std::isfinite(result.loss)) return result;  // no backward was taken: nothing to replay
  const at::Tensor query_gradient = queries.grad(), passage_gradient = passages.grad();

  // 3. Replay chunk by chunk. Queries then passages as in the first pass, so the generators
  // advance identically; each backward frees its graph before the next forward.
  for (size_t k = 0; k < chunks.size(); ++k) {
    const Chunk& chunk = chunks[k];
    if (!session.hooks.gradient_cache_skip_replay) restore_generators(before_chunk[k], device);
    at::Tensor chunk_queries = encode(session, chunk.query_texts, model::TextRole::query).to(type);
    if (query_gradient.defined()) chunk_queries.backward(query_gradient.narrow(0, chunk.first, chunk.count));
    at::Tensor chunk_passages = encode(session, chunk.passage_texts, model::TextRole::passage).to(type);
    if (passage_gradient.defined())
      chunk_passages.backward(passage_gradient.narrow(0, chunk.first * group_size, chunk.count * group_size));
  }
  // Later draws continue from where the first pass left the generators, whatever the replay did.
  restore_generators(after_first_pass, device);
  return result;
}

}  // namespace multipos::train
