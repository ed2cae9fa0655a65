// Gradient caching (batch.cache_chunk) is exact: for every objective (lsepair with each selector),
// with and without normalize_by_m, and for the bag, transformer and a tiny bert encoder, the
// parameters after 5 AdamW steps, the stored in-batch diagnostics, the probes and the loss equal
// those of the uncached whole batch. The reference is autograd through the plain path, not our
// own arithmetic: with dropout off it is the plain trainer (cache_chunk = 0); with dropout on it is
// autograd through the same chunks' forward passes (the same dropout masks), kept in one graph.
// Without the random-number replay the comparison fails, which shows the test can tell.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>

#include "core/model/bert_model.hpp"
#include "core/model/encoder.hpp"
#include "core/model/hf_model_folder.hpp"
#include "core/model/safetensors.hpp"
#include "core/train/gradient_cache.hpp"
#include "core/train/trainer.hpp"
#include "core/util/config_reader.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStore;
using multipos::train::TrainConfig;
using multipos::train::TrainHooks;

namespace {

// A tiny BERT folder (random weights, a character vocabulary), written once per test process.
const std::string& tiny_bert_folder() {
  static multipos::testing::TempDir dir;
  static const std::string folder = [] {
    multipos::model::BertArchitecture architecture;
    architecture.vocab_size = 56;
    architecture.hidden_size = 16;
    architecture.num_hidden_layers = 1;
    architecture.num_attention_heads = 2;
    architecture.intermediate_size = 32;
    architecture.max_position_embeddings = 48;
    at::manual_seed(5);
    multipos::model::BertModel model(architecture);
    model.initialize_weights();
    std::vector<std::string> vocab{"[PAD]", "[UNK]", "[CLS]", "[SEP]"};
    for (char c = 'a'; c <= 'z'; ++c) vocab.push_back(std::string(1, c));
    for (char c = 'a'; c <= 'z'; ++c) vocab.push_back("##" + std::string(1, c));
    vocab.resize(56, "[unused]");
    const std::string path = dir.file("tiny-bert");
    multipos::model::write_hf_model_folder(path, model, vocab);
    return path;
  }();
  return folder;
}

nlohmann::json encoder_config(const std::string& kind, double dropout) {
  if (kind == "bag") return {{"kind", "bag"}, {"buckets", 1024}, {"embedding_dim", 16}};
  if (kind == "transformer")
    return {{"kind", "transformer"},
            {"layers", 1},
            {"width", 16},
            {"heads", 2},
            {"ffn", 32},
            {"buckets", 512},
            {"query_max_length", 12},
            {"passage_max_length", 24},
            {"dropout", dropout}};
  return {{"kind", "bert"},         {"model", tiny_bert_folder()}, {"dropout", dropout},
          {"query_max_length", 16}, {"passage_max_length", 32},    {"normalize", false}};
}

// 5 steps of 6 queries x 4 passages; chunks of 4 queries (the last holds 2). Diagnostics every
// step, probes at steps 0, 2 and 4, the final checkpoint holds the parameters. In float64: in
// float32 the runs differ by rounding alone (measured: up to 3e-6 in parameters, 1e-5 in the
// records), too close to the 1e-5 bound to tell exact from nearly exact; in float64 ~1e-14.
nlohmann::json config(const std::string& encoder, const nlohmann::json& objective, int64_t cache_chunk,
                      double dropout = 0.0) {
  nlohmann::json json = {
      {"objective", objective},
      {"dataset",
       {{"kind", "synthetic"}, {"topics", 3}, {"subtopics_per_topic", 2}, {"queries_per_subtopic", 4}, {"seed", 4}}},
      {"encoder", encoder_config(encoder, dropout)},
      {"batch", {{"queries", 6}, {"group_size", 4}, {"max_positives", 3}}},
      {"optimizer", {{"lr", 0.01}, {"warmup_steps", 0}, {"schedule", "constant"}, {"precision", "fp64"}}},
      {"probe", {{"every", 2}, {"queries", 3}, {"negatives", 4}}},
      {"eval", {{"every", 0}, {"at_end", false}}},
      {"checkpoint", {{"every", 0}, {"at_end", true}}},
      {"steps", 5},
      {"seed", 3},
      {"device", "cpu"},
      {"threads", 1},
  };
  if (cache_chunk > 0) json["batch"]["cache_chunk"] = cache_chunk;
  return json;
}

struct Trained {
  std::map<std::string, at::Tensor> parameters;
  std::map<std::string, std::map<int64_t, double>> series;  // loss, diag/..., probe/...
  std::vector<multipos::store::ProbeRow> probes;
};

Trained train(const nlohmann::json& json, const TrainHooks& hooks = {}) {
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  TrainConfig config = multipos::train::train_config_from_json(json, "test config");
  multipos::store::NewRun run;
  run.name = run.objective = config.objective.name;
  run.dataset = "synthetic";
  run.config_json = multipos::train::to_json(config).dump();
  run.total_steps = config.steps;
  const int64_t id = store.create_run(run);
  multipos::train::train_run(config, store, id, hooks);
  Trained result;
  result.parameters = multipos::model::read_safetensors(multipos::train::checkpoint_dir(store.path(), id, "final") +
                                                        "/model.safetensors");
  for (const auto& point : store.scalars_after(0, id))
    if (point.name == "loss" || point.name.rfind("diag/", 0) == 0 || point.name.rfind("probe/", 0) == 0)
      result.series[point.name][point.step] = point.value;
  for (int64_t step : store.probe_steps(id))
    for (auto& row : store.probe_rows(id, step)) result.probes.push_back(row);
  return result;
}

double largest_parameter_difference(const Trained& a, const Trained& b) {
  EXPECT_EQ(a.parameters.size(), b.parameters.size());
  double largest = 0;
  for (const auto& [name, tensor] : a.parameters) {
    auto found = b.parameters.find(name);
    if (found == b.parameters.end()) {
      ADD_FAILURE() << "parameter " << name << " missing";
      continue;
    }
    largest = std::max(largest, (tensor.to(at::kDouble) - found->second.to(at::kDouble)).abs().max().item<double>());
  }
  return largest;
}

// |a - b| / max(1, |a|) over every stored diagnostic, probe and loss point, and every probe row.
double largest_record_difference(const Trained& a, const Trained& b) {
  double largest = 0;
  auto compare = [&](double x, double y) { largest = std::max(largest, std::abs(x - y) / std::max(1.0, std::abs(x))); };
  EXPECT_EQ(a.series.size(), b.series.size());
  for (const auto& [name, points] : a.series) {
    auto found = b.series.find(name);
    if (found == b.series.end() || found->second.size() != points.size()) {
      ADD_FAILURE() << "series " << name << " differs in its steps";
      continue;
    }
    for (const auto& [step, value] : points) compare(value, found->second.at(step));
  }
  EXPECT_EQ(a.probes.size(), b.probes.size());
  for (size_t i = 0; i < std::min(a.probes.size(), b.probes.size()); ++i) {
    const auto &x = a.probes[i], &y = b.probes[i];
    EXPECT_EQ(x.query_id + "/" + x.passage_id, y.query_id + "/" + y.passage_id);
    EXPECT_EQ(x.positive_rank, y.positive_rank) << x.query_id << "/" << x.passage_id;
    compare(x.score, y.score);
    compare(x.probability, y.probability);
    compare(x.gradient, y.gradient);
  }
  return largest;
}

constexpr double kTolerance = 1e-5;

struct Variant {
  std::string name;
  nlohmann::json objective;
};

// Every objective, lsepair with each selector pair, each with and without normalize_by_m
// (listwise_w2, a batch-level loss, has no per-query m to divide by).
std::vector<Variant> variants() {
  std::vector<Variant> all;
  auto add = [&](const std::string& name, nlohmann::json objective) {
    objective["similarity"] = "cosine";
    objective["temperature"] = 0.1;
    all.push_back({name, objective});
    if (objective["name"] == "listwise_w2") return;
    objective["normalize_by_m"] = true;
    all.push_back({name + "_norm", objective});
  };
  for (const char* name : {"infonce", "rand1lh", "jointlh", "summarglh", "listwise_w2", "listwise_kl"})
    add(name, {{"name", name}});
  for (const char* positive : {"all", "min", "max"})
    for (const char* negative : {"all", "max"})
      add(std::string("lsepair_") + positive + "_" + negative,
          {{"name", "lsepair"}, {"positive_selector", positive}, {"negative_selector", negative}});
  return all;
}

struct Case {
  std::string encoder;
  Variant variant;
};

// What gtest and ctest print for a case (without it: the struct's raw bytes, pointers included).
void PrintTo(const Case& c, std::ostream* out) { *out << c.encoder << " " << c.variant.objective.dump(); }

std::vector<Case> cases() {
  std::vector<Case> all;
  for (const char* encoder : {"bag", "transformer", "bert"})
    for (const auto& variant : variants()) all.push_back({encoder, variant});
  return all;
}

}  // namespace

class GradientCacheExactness : public ::testing::TestWithParam<Case> {};

// Dropout off: the cached run equals the plain trainer's run on the whole batch.
TEST_P(GradientCacheExactness, EqualsThePlainWholeBatch) {
  const Case& c = GetParam();
  const Trained plain = train(config(c.encoder, c.variant.objective, 0));
  const Trained cached = train(config(c.encoder, c.variant.objective, 4));
  const double parameters = largest_parameter_difference(plain, cached);
  const double records = largest_record_difference(plain, cached);
  EXPECT_LT(parameters, kTolerance) << "parameters after 5 steps";
  EXPECT_LT(records, kTolerance) << "diagnostics, probes and loss";
  std::printf("[ measured ] %s %s: parameters %.2g, records %.2g\n", c.encoder.c_str(), c.variant.name.c_str(),
              parameters, records);
}

// Dropout on: the cached run equals autograd through the same chunks' forward passes (the same
// masks), so the replay drew every mask of the first pass again.
TEST_P(GradientCacheExactness, ReplaysDropoutExactly) {
  const Case& c = GetParam();
  if (c.encoder == "bag") GTEST_SKIP() << "the bag encoder draws no random numbers";
  TrainHooks reference_hooks;
  reference_hooks.gradient_cache_autograd_reference = true;
  const Trained reference = train(config(c.encoder, c.variant.objective, 4, 0.2), reference_hooks);
  const Trained cached = train(config(c.encoder, c.variant.objective, 4, 0.2));
  const double parameters = largest_parameter_difference(reference, cached);
  const double records = largest_record_difference(reference, cached);
  EXPECT_LT(parameters, kTolerance) << "parameters after 5 steps";
  EXPECT_LT(records, kTolerance) << "diagnostics, probes and loss";
  std::printf("[ measured ] %s %s with dropout: parameters %.2g, records %.2g\n", c.encoder.c_str(),
              c.variant.name.c_str(), parameters, records);
}

INSTANTIATE_TEST_SUITE_P(Objectives, GradientCacheExactness, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.encoder + "_" + info.param.variant.name; });

// The exactness tests can fail: without restoring the generators, the second pass draws other
// dropout masks and the parameters move elsewhere.
TEST(GradientCache, WithoutTheReplayDropoutMakesTheGradientWrong) {
  const nlohmann::json objective = {{"name", "jointlh"}, {"similarity", "cosine"}, {"temperature", 0.1}};
  for (const char* encoder : {"transformer", "bert"}) {
    TrainHooks reference_hooks, no_replay;
    reference_hooks.gradient_cache_autograd_reference = true;
    no_replay.gradient_cache_skip_replay = true;
    const Trained reference = train(config(encoder, objective, 4, 0.2), reference_hooks);
    const Trained replayed = train(config(encoder, objective, 4, 0.2));
    const Trained not_replayed = train(config(encoder, objective, 4, 0.2), no_replay);
    const double with = largest_parameter_difference(reference, replayed);
    const double without = largest_parameter_difference(reference, not_replayed);
    EXPECT_LT(with, kTolerance) << encoder;
    EXPECT_GT(without, 100 * kTolerance) << encoder << ": the test cannot tell a missing replay";
    std::printf("[ measured ] %s: parameter difference with replay %.2g, without %.2g\n", encoder, with, without);
  }
}

// Autocast bf16 on a CPU: both passes run the encoder in bf16, the cached gradients stay float32.
// One step: the gradient is exact (parameters within 1e-8 after it), but over several steps bf16's
// rounding amplifies float32 summation-order differences chaotically (5 steps: 2e-4 .. 7e-3), for
// any two ways of adding the same gradients.
TEST(GradientCache, Bf16AutocastEqualsTheAutogradReference) {
  nlohmann::json json =
      config("transformer", {{"name", "lsepair"}, {"similarity", "cosine"}, {"temperature", 0.1}}, 2, 0.2);
  json["optimizer"]["precision"] = "bf16";
  json["steps"] = 1;
  TrainHooks reference_hooks;
  reference_hooks.gradient_cache_autograd_reference = true;
  const Trained reference = train(json, reference_hooks);
  const Trained cached = train(json);
  EXPECT_LT(largest_parameter_difference(reference, cached), kTolerance);
  EXPECT_LT(largest_record_difference(reference, cached), kTolerance);
}

// Accumulation combines with caching: each mini-batch is cached on its own, exactly as the plain
// path scores each mini-batch on its own.
TEST(GradientCache, CombinesWithAccumulation) {
  nlohmann::json plain =
      config("transformer", {{"name", "summarglh"}, {"similarity", "cosine"}, {"temperature", 0.1}}, 0);
  plain["optimizer"]["accumulation_steps"] = 2;
  nlohmann::json cached = plain;
  cached["batch"]["cache_chunk"] = 5;  // one chunk of 5, one of 1
  EXPECT_LT(largest_parameter_difference(train(plain), train(cached)), kTolerance);
}

// A resumed cached run with dropout stores bit for bit the loss of an uninterrupted one: the
// generators the replay restores are back where the first pass left them.
TEST(GradientCache, StopAndResumeIsBitwiseTheSame) {
  nlohmann::json json =
      config("transformer", {{"name", "jointlh"}, {"similarity", "cosine"}, {"temperature", 0.1}}, 4, 0.2);
  json["steps"] = 8;
  json["checkpoint"]["every"] = 3;
  json["optimizer"]["precision"] = "fp32";  // checkpoints hold float32 weights
  const Trained reference = train(json);

  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  TrainConfig resolved = multipos::train::train_config_from_json(json, "test config");
  multipos::store::NewRun run;
  run.name = run.objective = "jointlh";
  run.config_json = multipos::train::to_json(resolved).dump();
  run.total_steps = resolved.steps;
  const int64_t id = store.create_run(run);
  TrainHooks crash;
  crash.before_step = [](int64_t step) {
    if (step == 5) throw std::runtime_error("simulated crash");
  };
  EXPECT_THROW(multipos::train::train_run(resolved, store, id, crash), std::runtime_error);
  auto second = multipos::train::train_run(resolved, store, id, {});
  EXPECT_EQ(second.resumed_from_step, 2);
  std::map<int64_t, double> loss;
  for (const auto& point : store.scalars_after(0, id))
    if (point.name == "loss") loss[point.step] = point.value;
  EXPECT_EQ(loss, reference.series.at("loss")) << "bitwise the same loss at every step";
}

// --- refusals

TEST(GradientCacheConfig, AChunkLargerThanTheBatchIsRefusedNamingTheField) {
  nlohmann::json json = config("bag", "infonce", 7);
  try {
    multipos::train::train_config_from_json(json, "run.json");
    FAIL() << "a 7-query chunk of a 6-query batch was accepted";
  } catch (const multipos::util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("run.json: field 'batch.cache_chunk'"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("batch.queries"), std::string::npos) << error.what();
  }
  json["batch"]["queries"] = 8;
  json["batch"]["cache_chunk"] = 8;
  json["distributed"] = {{"world_size", 2}, {"gather_negatives", true}};
  try {
    multipos::train::train_config_from_json(json, "run.json");
    FAIL() << "an 8-query chunk was accepted where each process encodes 4";
  } catch (const multipos::util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("each of the 2 processes"), std::string::npos) << error.what();
  }
  json["batch"]["cache_chunk"] = -1;
  EXPECT_THROW(multipos::train::train_config_from_json(json, "run.json"), multipos::util::ConfigError);
}

TEST(GradientCacheConfig, AChunkThatDoesNotDivideTheBatchIsAllowedAndTheFieldRoundTrips) {
  TrainConfig cached = multipos::train::train_config_from_json(config("bag", "infonce", 4), "run.json");
  EXPECT_EQ(cached.batch.cache_chunk, 4);
  EXPECT_EQ(multipos::train::to_json(cached)["batch"]["cache_chunk"], 4);
  EXPECT_EQ(multipos::train::train_config_from_json(multipos::train::to_json(cached), "again").batch.cache_chunk, 4);
  // Off: not written, so configs (and checkpoints) from before the field still match.
  TrainConfig plain = multipos::train::train_config_from_json(config("bag", "infonce", 0), "run.json");
  EXPECT_FALSE(multipos::train::to_json(plain)["batch"].contains("cache_chunk"));
}

namespace {

// An encoder with a private random stream (a stand-in for any module that draws outside
// LibTorch's default generators): a second pass would see other noise.
class PrivatelyNoisyEncoder : public multipos::model::Encoder {
 public:
  at::Tensor encode(const std::vector<std::string>& texts, multipos::model::TextRole) override {
    std::normal_distribution<float> noise;
    std::vector<float> values(texts.size() * 2);
    for (float& value : values) value = noise(rng_);
    return at::tensor(values).view({static_cast<int64_t>(texts.size()), 2});
  }
  int64_t dim() const override { return 2; }
  std::string kind() const override { return "noisy"; }
  void move_to(const at::Device& device) override { device_ = device; }

 private:
  std::mt19937 rng_{1};
};

}  // namespace

TEST(GradientCacheConfig, AnEncoderThatCannotReplayItsRandomnessIsRefusedWithTheReason) {
  PrivatelyNoisyEncoder noisy;
  TrainConfig cached = multipos::train::train_config_from_json(config("bag", "infonce", 4), "run.json");
  try {
    multipos::train::check_gradient_cache(cached, noisy, "run.json");
    FAIL() << "an encoder with its own random stream was accepted";
  } catch (const multipos::util::ConfigError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("run.json: field 'batch.cache_chunk'"), std::string::npos) << message;
    EXPECT_NE(message.find("the noisy encoder does not declare"), std::string::npos) << message;
  }
  TrainConfig plain = multipos::train::train_config_from_json(config("bag", "infonce", 0), "run.json");
  EXPECT_NO_THROW(multipos::train::check_gradient_cache(plain, noisy, "run.json")) << "caching off: nothing to replay";
  for (const char* kind : {"bag", "transformer", "bert"}) {
    auto encoder =
        multipos::model::make_encoder(multipos::util::ConfigReader(encoder_config(kind, 0.1), "test", "encoder"), 1);
    EXPECT_EQ(encoder->replay_obstacle(), "") << kind;
  }
}
