// A training run's full configuration: parsed from a preset JSON (with command-line overrides),
// validated with errors that name the file and field, and stored resolved in the run store so a
// run can be reproduced (or resumed) from the database alone. Torch-free.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/objectives/config.hpp"

namespace multipos::train {

struct OptimizerConfig {
  double lr = 3e-3;
  double weight_decay = 0.01;
  int64_t warmup_steps = 20;
  std::string schedule = "linear";  // linear (warm-up then linear decay to 0) | constant
  double clip_norm = 1.0;           // 0 disables clipping
  // Mini-batches per optimizer step. Each mini-batch is built and scored on its own, so in-batch
  // negatives come from the same mini-batch only (B queries x g passages), not from all k x B:
  // accumulation grows the gradient's sample, not the contrast set. Losses are averaged over k.
  int64_t accumulation_steps = 1;
  // Learning-rate factor per Encoder::parameter_groups() name (e.g. {"embeddings": 0.1});
  // groups not named keep factor 1. Unknown names are refused when the encoder is built.
  std::map<std::string, double> lr_multipliers;
  // auto | fp32 | bf16 | fp16 (autocast of the encoder's forward pass) | fp64 (the encoder and the
  // loss in float64: slow; for checks that must tell exact from nearly exact, e.g. gradient
  // caching's). auto: bf16 where the hardware has it, else fp32 (core/train/precision_choice.hpp).
  std::string precision = "auto";
  // What "auto" resolved to when the run first started ("" before): stored with the run so a
  // resumed run computes as it started, even on another machine. Ignored unless precision is auto.
  std::string precision_resolved;
};

struct BatchConfig {
  int64_t queries = 32;    // B
  int group_size = 8;      // g
  int max_positives = 4;
  // Gradient caching (Gao et al. 2021): encode the batch in chunks of this many queries (with
  // their groups) without keeping activations, take dL/d(vectors) on the whole batch's score
  // matrix, then re-encode chunk by chunk with autograd, replaying each chunk's random numbers.
  // The gradient is the whole batch's, exactly; memory is that of one chunk. 0 = off.
  int64_t cache_chunk = 0;
  // first | rotate | random | graded_random: which max_positives positives enter the batch
  // (objectives::positive_sample_indices).
  std::string positive_sampling = "first";
};

struct ProbeConfig {
  int64_t every = 25;      // steps between probe snapshots; 0 disables
  int64_t queries = 12;
  int64_t negatives = 24;  // fixed negatives per probe query (its hard negatives first)
};

struct EvalConfig {
  int64_t every = 100;     // steps between dev evaluations; 0 = only at the end
  std::string split = "dev";
  bool at_end = true;
};

// Checkpoints hold the encoder, the optimizer and every random state, so a run resumes with the
// same results; each is written to a temporary folder renamed into place, the last `keep` kept.
struct CheckpointConfig {
  int64_t every = 100;      // steps between checkpoints; 0 = only the final one (and on stop)
  bool at_end = true;
  int64_t keep = 2;         // step checkpoints kept (the final one is kept besides)
};

// Data-parallel training (core/dist): `world_size` processes each score batch.queries / world_size
// queries of every global batch; gradients are averaged across them. Without gather_negatives a
// query's in-batch negatives are its own rank's passages only (like accumulation); with it, every
// rank's query and passage vectors are gathered so the loss is the single-process loss of the
// whole batch. `timeout_seconds` bounds start-up checks and every collective.
struct DistributedConfig {
  int64_t world_size = 1;
  bool gather_negatives = false;
  double timeout_seconds = 120;
  bool is_default() const { return world_size == 1 && !gather_negatives && timeout_seconds == 120; }
};

struct TrainConfig {
  std::string name;
  objectives::ObjectiveConfig objective;
  nlohmann::json dataset = {{"kind", "synthetic"}};
  nlohmann::json encoder = {{"kind", "bag"}};
  BatchConfig batch;
  OptimizerConfig optimizer;
  ProbeConfig probe;
  EvalConfig eval;
  CheckpointConfig checkpoint;
  int64_t steps = 300;
  uint64_t seed = 1;
  std::string device = "auto";
  int threads = 0;            // 0: one per core
  int64_t flush_every = 10;   // steps between store writes (also flushed at least once a second)
  int64_t print_every = 25;
  bool diagnostics = true;    // in-batch diagnostics every step (benchmarks switch them off)
  // A NaN or infinite loss (or gradient): "stop" fails the run at that step; "skip" drops the
  // batch without an optimizer step, counts it in the series "skipped_batches", and fails the
  // run after `max_consecutive_skips` skipped steps in a row.
  std::string nonfinite = "stop";
  int64_t max_consecutive_skips = 10;
  DistributedConfig distributed;  // written by to_json only when not the default (older runs resume)
};

// Parses a config object; `source` names the file in error messages. Objective given as a name
// or as {"name": ..., options}. Throws util::ConfigError.
TrainConfig train_config_from_json(const nlohmann::json& json, const std::string& source);
TrainConfig load_train_config(const std::string& file);
nlohmann::json to_json(const TrainConfig& config);

// A short label of the dataset for the runs table ("synthetic", a folder name, ...).
std::string dataset_label(const TrainConfig& config);

// Where a run's checkpoints live: beside the run store, "<db>.checkpoints/run-<id>/<name>"
// with name "final" or "step-<N>".
std::string checkpoint_dir(const std::string& db_path, int64_t run_id, const std::string& name);

}  // namespace multipos::train
