#include "core/train/train_config.hpp"

#include <filesystem>

#include "core/objectives/positive_sampling.hpp"
#include "core/objectives/registry.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::train {

using util::ConfigError;
using util::ConfigReader;

namespace {

objectives::ObjectiveConfig read_objective(const nlohmann::json& json, const std::string& source) {
  if (!json.contains("objective"))
    return objectives::objective_config_from_json({{"name", objectives::default_objective()}}, source);
  const auto& node = json.at("objective");
  nlohmann::json object = node.is_string() ? nlohmann::json{{"name", node}} : node;
  try {
    return objectives::objective_config_from_json(object, source + ": field 'objective'");
  } catch (const std::invalid_argument& error) {
    throw ConfigError(error.what());
  }
}

}  // namespace

namespace {

BatchConfig read_batch(const ConfigReader& batch, BatchConfig config) {
  batch.reject_unknown({"queries", "group_size", "max_positives", "cache_chunk", "positive_sampling"});
  config.queries = batch.integer("queries", config.queries, 1, 1 << 16);
  config.group_size = static_cast<int>(batch.integer("group_size", config.group_size, 1, 1024));
  config.max_positives = static_cast<int>(batch.integer("max_positives", config.max_positives, 1, config.group_size));
  config.cache_chunk = batch.integer("cache_chunk", config.cache_chunk, 0, 1 << 16);
  config.positive_sampling = batch.text("positive_sampling", config.positive_sampling);
  if (!objectives::is_positive_sampling_scheme(config.positive_sampling))
    batch.fail("positive_sampling", "unknown value '" + config.positive_sampling +
                                        "'; valid values: " + objectives::positive_sampling_scheme_list());
  return config;
}

OptimizerConfig read_optimizer(const ConfigReader& optimizer, const nlohmann::json& json, OptimizerConfig config) {
  optimizer.reject_unknown({"lr", "weight_decay", "warmup_steps", "schedule", "clip_norm", "accumulation_steps",
                            "lr_multipliers", "precision", "precision_resolved"});
  config.lr = optimizer.number("lr", config.lr, 1e-9, 10);
  config.weight_decay = optimizer.number("weight_decay", config.weight_decay, 0, 10);
  config.warmup_steps = optimizer.integer("warmup_steps", config.warmup_steps, 0, 1 << 30);
  config.schedule = optimizer.choice("schedule", config.schedule, {"linear", "constant"});
  config.clip_norm = optimizer.number("clip_norm", config.clip_norm, 0, 1e6);
  config.accumulation_steps = optimizer.integer("accumulation_steps", config.accumulation_steps, 1, 1 << 16);
  config.precision = optimizer.choice("precision", config.precision, {"auto", "fp32", "bf16", "fp16", "fp64"});
  config.precision_resolved = optimizer.choice("precision_resolved", "", {"", "fp32", "bf16"});
  ConfigReader multipliers = optimizer.child("lr_multipliers");
  if (json.contains("optimizer") && json.at("optimizer").contains("lr_multipliers"))
    for (const auto& item : json.at("optimizer").at("lr_multipliers").items())
      config.lr_multipliers[item.key()] = multipliers.number(item.key(), 1, 0, 1e6);
  return config;
}

// probe, eval and checkpoint: how often, and what.
void read_schedules(const ConfigReader& root, TrainConfig& config) {
  ConfigReader probe = root.child("probe");
  probe.reject_unknown({"every", "queries", "negatives"});
  config.probe.every = probe.integer("every", config.probe.every, 0, 1 << 30);
  config.probe.queries = probe.integer("queries", config.probe.queries, 1, 10000);
  config.probe.negatives = probe.integer("negatives", config.probe.negatives, 1, 100000);

  ConfigReader eval = root.child("eval");
  eval.reject_unknown({"every", "split", "at_end"});
  config.eval.every = eval.integer("every", config.eval.every, 0, 1 << 30);
  config.eval.split = eval.choice("split", config.eval.split, {"dev", "test", "train"});
  config.eval.at_end = eval.flag("at_end", config.eval.at_end);

  ConfigReader checkpoint = root.child("checkpoint");
  checkpoint.reject_unknown({"every", "at_end", "keep"});
  config.checkpoint.every = checkpoint.integer("every", config.checkpoint.every, 0, int64_t{1} << 40);
  config.checkpoint.at_end = checkpoint.flag("at_end", config.checkpoint.at_end);
  config.checkpoint.keep = checkpoint.integer("keep", config.checkpoint.keep, 1, 1000);
}

// The distributed section, checked against the batch it splits.
void read_distributed(const ConfigReader& root, TrainConfig& config) {
  ConfigReader distributed = root.child("distributed");
  distributed.reject_unknown({"world_size", "gather_negatives", "timeout_seconds"});
  config.distributed.world_size = distributed.integer("world_size", config.distributed.world_size, 1, 4096);
  config.distributed.gather_negatives = distributed.flag("gather_negatives", config.distributed.gather_negatives);
  config.distributed.timeout_seconds =
      distributed.number("timeout_seconds", config.distributed.timeout_seconds, 1, 24 * 3600);
  if (config.batch.queries % config.distributed.world_size != 0)
    distributed.fail("world_size", std::to_string(config.distributed.world_size) + " ranks cannot share batch.queries = " +
                                       std::to_string(config.batch.queries) + " evenly: make batch.queries a multiple of it");
  // Each process encodes its own queries: a chunk can hold at most that many.
  const int64_t encoded_queries = config.batch.queries / config.distributed.world_size;
  if (config.batch.cache_chunk > encoded_queries)
    root.child("batch").fail(
        "cache_chunk", std::to_string(config.batch.cache_chunk) + " queries per chunk exceeds the " +
                           std::to_string(encoded_queries) + " queries " +
                           (config.distributed.world_size > 1
                                ? "each of the " + std::to_string(config.distributed.world_size) +
                                      " processes encodes (batch.queries / distributed.world_size)"
                                : std::string("of the batch (batch.queries)")) +
                           ": lower it, or 0 to switch caching off");
}

}  // namespace

TrainConfig train_config_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw ConfigError(source + ": the config must be a JSON object");
  ConfigReader root(json, source);
  root.reject_unknown({"name", "objective", "dataset", "encoder", "batch", "optimizer", "probe", "eval", "checkpoint", "steps",
                       "seed", "device", "threads", "flush_every", "print_every", "diagnostics", "nonfinite",
                       "max_consecutive_skips", "distributed"});
  TrainConfig config;
  config.name = root.text("name", "");
  config.objective = read_objective(json, source);
  if (json.contains("dataset")) {
    root.child("dataset");  // type check: an object
    config.dataset = json.at("dataset");
  }
  if (json.contains("encoder")) {
    root.child("encoder");
    config.encoder = json.at("encoder");
  }
  config.batch = read_batch(root.child("batch"), config.batch);
  config.optimizer = read_optimizer(root.child("optimizer"), json, config.optimizer);
  read_schedules(root, config);
  config.steps = root.integer("steps", config.steps, 1, int64_t{1} << 40);
  config.seed = static_cast<uint64_t>(root.integer("seed", static_cast<int64_t>(config.seed), 0, int64_t{1} << 62));
  config.device = root.text("device", config.device);
  config.threads = static_cast<int>(root.integer("threads", config.threads, 0, 1024));
  config.flush_every = root.integer("flush_every", config.flush_every, 1, 1 << 20);
  config.print_every = root.integer("print_every", config.print_every, 1, 1 << 20);
  config.diagnostics = root.flag("diagnostics", config.diagnostics);
  config.nonfinite = root.choice("nonfinite", config.nonfinite, {"stop", "skip"});
  config.max_consecutive_skips = root.integer("max_consecutive_skips", config.max_consecutive_skips, 1, 1 << 20);
  read_distributed(root, config);
  if (config.name.empty()) config.name = config.objective.name;
  return config;
}

TrainConfig load_train_config(const std::string& file) {
  return train_config_from_json(ConfigReader::load_file(file), file);
}

nlohmann::json to_json(const TrainConfig& c) {
  nlohmann::json json = {
      {"name", c.name},
      {"objective", objectives::objective_config_to_json(c.objective)},
      {"dataset", c.dataset},
      {"encoder", c.encoder},
      {"batch", {{"queries", c.batch.queries}, {"group_size", c.batch.group_size}, {"max_positives", c.batch.max_positives}}},
      {"optimizer",
       {{"lr", c.optimizer.lr},
        {"weight_decay", c.optimizer.weight_decay},
        {"warmup_steps", c.optimizer.warmup_steps},
        {"schedule", c.optimizer.schedule},
        {"clip_norm", c.optimizer.clip_norm},
        {"accumulation_steps", c.optimizer.accumulation_steps},
        {"lr_multipliers", c.optimizer.lr_multipliers},
        {"precision", c.optimizer.precision}}},
      {"probe", {{"every", c.probe.every}, {"queries", c.probe.queries}, {"negatives", c.probe.negatives}}},
      {"eval", {{"every", c.eval.every}, {"split", c.eval.split}, {"at_end", c.eval.at_end}}},
      {"checkpoint", {{"every", c.checkpoint.every}, {"at_end", c.checkpoint.at_end}, {"keep", c.checkpoint.keep}}},
      {"steps", c.steps},
      {"seed", c.seed},
      {"device", c.device},
      {"threads", c.threads},
      {"flush_every", c.flush_every},
      {"print_every", c.print_every},
      {"diagnostics", c.diagnostics},
      {"nonfinite", c.nonfinite},
      {"max_consecutive_skips", c.max_consecutive_skips},
  };
  // Only when set, so resolved configs (and checkpoints) written before the field existed still match.
  if (c.batch.cache_chunk > 0) json["batch"]["cache_chunk"] = c.batch.cache_chunk;
  // Only when set, so the resolved config (and checkpoints) of single-process runs is unchanged.
  if (!c.distributed.is_default())
    json["distributed"] = {{"world_size", c.distributed.world_size},
                           {"gather_negatives", c.distributed.gather_negatives},
                           {"timeout_seconds", c.distributed.timeout_seconds}};
  // Written only when not the default, so configs (and their hashes) from before the field stay equal.
  if (c.batch.positive_sampling != "first") json["batch"]["positive_sampling"] = c.batch.positive_sampling;
  // Only once "auto" has been resolved, by the run's first start.
  if (!c.optimizer.precision_resolved.empty()) json["optimizer"]["precision_resolved"] = c.optimizer.precision_resolved;
  return json;
}

std::string dataset_label(const TrainConfig& config) {
  std::string kind = config.dataset.value("kind", std::string("synthetic"));
  if (kind == "synthetic") return "synthetic";
  std::string path = config.dataset.value("path", std::string());
  return path.empty() ? kind : kind + ":" + std::filesystem::path(path).filename().string();
}

std::string checkpoint_dir(const std::string& db_path, int64_t run_id, const std::string& name) {
  return db_path + ".checkpoints/run-" + std::to_string(run_id) + "/" + name;
}

}  // namespace multipos::train
