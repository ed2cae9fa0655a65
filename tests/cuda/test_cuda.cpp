// GPU paths (label `cuda`): each test skips with its reason when LibTorch sees no GPU, so the default
// test command stays green on a CPU machine. Compiles against Debian's CPU LibTorch 1.13 and PyPI's
// CUDA LibTorch 2.x alike (only ATen / c10 calls both have). Tolerances, stated per test: GPU and
// CPU sum in other orders (cuBLAS, atomics in EmbeddingBag's backward), so fp32 results agree to
// ~1e-5 relative per step and drift slowly; mixed precision is compared with a looser bound.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/dist/distributed_context.hpp"
#include "core/eval/search.hpp"
#include "core/model/checkpoint.hpp"
#include "core/model/device_info.hpp"
#include "core/model/encoder.hpp"
#include "core/train/evaluation.hpp"
#include "core/train/model_negatives.hpp"
#include "core/train/run_checkpoints.hpp"
#include "core/train/trainer.hpp"
#include "core/util/config_reader.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStore;
using multipos::train::TrainConfig;
using multipos::train::TrainHooks;

namespace {

#define SKIP_WITHOUT_GPU()                                                                                        \
  do {                                                                                                            \
    if (multipos::model::cuda_device_count() == 0)                                                                \
      GTEST_SKIP() << "no GPU: " << multipos::model::libtorch_description()                                      \
                   << (multipos::model::libtorch_has_cuda() ? " sees no CUDA device" : " has no CUDA");            \
  } while (0)

nlohmann::json tiny_config(const std::string& device, const std::string& encoder = "bag") {
  nlohmann::json json = {
      {"objective", {{"name", "lsepair"}, {"similarity", "cosine"}, {"temperature", 0.05}}},
      {"dataset", {{"kind", "synthetic"}, {"topics", 4}, {"subtopics_per_topic", 3}, {"queries_per_subtopic", 4}, {"seed", 4}}},
      {"encoder", {{"kind", "bag"}, {"buckets", 2048}, {"embedding_dim", 16}}},
      {"batch", {{"queries", 6}, {"group_size", 4}, {"max_positives", 3}}},
      {"optimizer", {{"lr", 0.02}, {"warmup_steps", 3}, {"precision", "fp32"}}},  // CPU and GPU compared in fp32
      {"probe", {{"every", 5}, {"queries", 3}, {"negatives", 4}}},
      {"eval", {{"every", 10}, {"split", "dev"}, {"at_end", true}}},
      {"checkpoint", {{"every", 5}}},
      {"steps", 20},
      {"seed", 9},
      {"device", device},
      {"threads", 1},
      {"flush_every", 4},
  };
  if (encoder == "transformer")  // matmuls, layer norms and softmax: what autocast changes
    json["encoder"] = {{"kind", "transformer"}, {"layers", 2}, {"width", 32}, {"heads", 2}, {"ffn", 64}, {"passage_max_length", 24}};
  return json;
}

int64_t create(RunStore& store, const TrainConfig& config) {
  multipos::store::NewRun run;
  run.name = run.objective = config.objective.name;
  run.dataset = "synthetic";
  run.config_json = multipos::train::to_json(config).dump();
  run.total_steps = config.steps;
  return store.create_run(run);
}

std::map<int64_t, double> series(const RunStore& store, int64_t run_id, const std::string& name) {
  std::map<int64_t, double> points;
  for (const auto& point : store.scalars_after(0, run_id))
    if (point.name == name) points[point.step] = point.value;
  return points;
}

struct Trained {
  std::map<int64_t, double> loss, ndcg;
  int64_t run_id = 0;
  multipos::train::TrainOutcome outcome;
};

Trained train(RunStore& store, const nlohmann::json& json, const TrainHooks& hooks = {}) {
  auto config = multipos::train::train_config_from_json(json, "test");
  Trained trained;
  trained.run_id = create(store, config);
  trained.outcome = multipos::train::train_run(config, store, trained.run_id, hooks);
  trained.loss = series(store, trained.run_id, "loss");
  trained.ndcg = series(store, trained.run_id, "eval/dev/ndcg_cut_10");
  return trained;
}

void expect_close_series(const std::map<int64_t, double>& expected, const std::map<int64_t, double>& actual,
                         double tolerance, const std::string& what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (const auto& [step, value] : expected) {
    ASSERT_TRUE(actual.count(step)) << what << " step " << step;
    EXPECT_NEAR(actual.at(step), value, tolerance * std::max(1.0, std::abs(value))) << what << " step " << step;
  }
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

// Without a GPU the skip reason names LibTorch; with one, the description names the GPU.
TEST(Cuda, DescribesTheDevice) {
  EXPECT_NE(multipos::model::runtime_line(at::Device(at::kCPU)).find("LibTorch "), std::string::npos);
  SKIP_WITHOUT_GPU();
  const std::string line = multipos::model::runtime_line(at::Device(at::kCUDA, 0));
  EXPECT_NE(line.find("cuda:0 ("), std::string::npos) << line;
  EXPECT_NE(line.find("GiB)"), std::string::npos) << line;
  EXPECT_NE(line.find("(CUDA "), std::string::npos) << line;
}

// fp32 on the GPU follows the CPU run of the same config: every step's loss within 1e-3 relative
// (20 steps of AdamW; reduction orders differ), dev nDCG@10 within 0.02.
TEST(Cuda, TrainingLossesMatchTheCpuRun) {
  SKIP_WITHOUT_GPU();
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  Trained cpu = train(store, tiny_config("cpu"));
  Trained gpu = train(store, tiny_config("cuda"));
  expect_close_series(cpu.loss, gpu.loss, 1e-3, "loss");
  expect_close_series(cpu.ndcg, gpu.ndcg, 0.02, "dev nDCG@10");
  auto events = store.events_after(0, gpu.run_id);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events.front().message.find("on cuda:0 ("), std::string::npos)
      << "the first line of the run's log names the GPU: " << events.front().message;
}

// bf16 and fp16 autocast train a transformer on the GPU to losses near fp32's (0.05 relative);
// fp16's loss scaler skips a step whose scaled gradients overflow and halves its scale, without
// counting a skipped batch (an overflow is not a fault of the run).
TEST(Cuda, Bf16AndFp16AutocastWithLossScaling) {
  SKIP_WITHOUT_GPU();
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto json = tiny_config("cuda", "transformer");
  json["checkpoint"] = {{"every", 0}, {"at_end", true}};
  Trained fp32 = train(store, json);
  json["optimizer"]["precision"] = "bf16";
  Trained bf16 = train(store, json);
  EXPECT_EQ(bf16.outcome.steps_done, 20);
  expect_close_series(fp32.loss, bf16.loss, 0.05, "bf16 loss");

  json["optimizer"]["precision"] = "fp16";
  TrainHooks overflow;
  overflow.inject_fp16_overflow = [](int64_t step) { return step == 7; };
  Trained fp16 = train(store, json, overflow);
  EXPECT_EQ(fp16.outcome.steps_done, 20);
  EXPECT_EQ(fp16.outcome.skipped_batches, 0) << "an overflow is skipped by the scaler, not counted as a fault";
  EXPECT_TRUE(series(store, fp16.run_id, "skipped_batches").empty());
  for (const auto& [step, value] : fp16.loss) EXPECT_TRUE(std::isfinite(value)) << step;
  // The scale after the run: 65536 halved once (2000 clean steps would be needed to double it).
  auto checkpoint = multipos::train::latest_checkpoint(dir.file("runs.sqlite"), *store.find_run(fp16.run_id));
  ASSERT_TRUE(checkpoint);
  std::ifstream state(checkpoint->dir + "/trainer_state.json");
  const auto trainer = nlohmann::json::parse(state);
  EXPECT_EQ(trainer.at("faults").at("loss_scale").get<double>(), 32768.0) << trainer.dump();
  // Skipping step 7 changed every later weight: the curves part after it, not before.
  Trained fp16_clean = train(store, json);
  for (int64_t step = 0; step <= 7; ++step) EXPECT_EQ(fp16.loss.at(step), fp16_clean.loss.at(step)) << step;
  EXPECT_NE(fp16.loss.at(8), fp16_clean.loss.at(8));
}

// optimizer.precision "auto" on a GPU: bf16 where it computes bf16 natively (compute capability 8.0
// or newer), fp32 below; the log names the GPU as the reason and the run's config stores the choice.
TEST(Cuda, AutoPrecisionFollowsTheGpu) {
  SKIP_WITHOUT_GPU();
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto json = tiny_config("cuda", "transformer");
  json["optimizer"]["precision"] = "auto";
  json["steps"] = 3;
  Trained run = train(store, json);
  const std::string expected = multipos::model::cuda_supports_bf16(at::Device(at::kCUDA, 0)) ? "bf16" : "fp32";
  EXPECT_EQ(nlohmann::json::parse(store.find_run(run.run_id)->config_json)["optimizer"]["precision_resolved"], expected);
  std::string log;
  for (const auto& event : store.events_after(0, run.run_id)) log += event.message + "\n";
  EXPECT_NE(log.find("precision auto: " + expected + " (cuda:0 ("), std::string::npos) << log;
}

// A checkpoint written on the GPU resumes on the CPU and the reverse; the continuation follows the
// uninterrupted run of the first device within 1e-3 relative per step (other summation orders).
TEST(Cuda, CheckpointsMoveBetweenGpuAndCpu) {
  SKIP_WITHOUT_GPU();
  for (const auto& [first, second] : {std::pair<std::string, std::string>{"cuda", "cpu"}, {"cpu", "cuda"}}) {
    multipos::testing::TempDir dir;
    RunStore store(dir.file("runs.sqlite"));
    Trained reference = train(store, tiny_config(first));
    auto config = multipos::train::train_config_from_json(tiny_config(first), "test");
    const int64_t id = create(store, config);
    int64_t polled = 0;
    TrainHooks stop;
    stop.should_stop = [&] { return ++polled > 12; };
    ASSERT_TRUE(multipos::train::train_run(config, store, id, stop).stopped_early);
    store.requeue(id);
    auto moved = multipos::train::train_config_from_json(tiny_config(second), "test");
    auto outcome = multipos::train::train_run(moved, store, id, {});
    EXPECT_EQ(outcome.resumed_from_step, 11) << first << " -> " << second;
    expect_close_series(reference.loss, series(store, id, "loss"), 1e-3, first + " -> " + second + " loss");
  }
}

// Evaluation (exact search over the encoded corpus, trec_eval metrics), probes and checkpoint-mined
// hard negatives from one checkpoint give the GPU the CPU's results: metrics within 1e-4, probe
// scores within 1e-4, mined negatives identical but for near-ties (at most 2% differ).
TEST(Cuda, EvaluationProbesMiningAndSearchMatchTheCpu) {
  SKIP_WITHOUT_GPU();
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  Trained trained = train(store, tiny_config("cpu"));
  auto found = multipos::train::latest_checkpoint(dir.file("runs.sqlite"), *store.find_run(trained.run_id));
  ASSERT_TRUE(found);
  const std::string checkpoint = found->dir;
  auto dataset = multipos::train::load_training_dataset(tiny_config("cpu")["dataset"], "test");

  std::map<std::string, multipos::eval::Evaluation> evaluations;
  std::map<std::string, at::Tensor> corpus;
  for (const std::string device : {"cpu", "cuda"}) {
    auto encoder = multipos::model::make_encoder(multipos::util::ConfigReader(tiny_config(device)["encoder"], "test"), 9);
    multipos::model::load_checkpoint(*encoder, checkpoint, tiny_config(device)["encoder"]);
    encoder->move_to(multipos::model::preferred_device(device));
    encoder->eval();
    evaluations[device] = multipos::train::evaluate_encoder(*encoder, dataset, "dev", true);
    at::NoGradGuard no_grad;
    corpus[device] = multipos::train::encode_texts(*encoder, dataset.passage_texts, multipos::model::TextRole::passage);
  }
  ASSERT_EQ(evaluations["cpu"].mean.size(), evaluations["cuda"].mean.size());
  for (size_t m = 0; m < evaluations["cpu"].mean.size(); ++m)
    EXPECT_NEAR(evaluations["cpu"].mean[m], evaluations["cuda"].mean[m], 1e-4) << "measure " << m;
  EXPECT_LT((corpus["cpu"] - corpus["cuda"]).abs().max().item<double>(), 1e-4) << "passage vectors";

  // Exact search over the two encodings: the same top 10 for every query but near-ties.
  multipos::eval::SearchOptions options;
  options.k = 10;
  auto queries = corpus["cpu"].narrow(0, 0, 50);
  auto on_cpu = multipos::eval::exact_search(queries, corpus["cpu"], options);
  auto on_gpu = multipos::eval::exact_search(queries, corpus["cuda"], options);
  ASSERT_EQ(on_cpu.size(), on_gpu.size());
  size_t hits = 0, differ = 0;
  for (size_t q = 0; q < on_cpu.size(); ++q) {
    ASSERT_EQ(on_cpu[q].size(), on_gpu[q].size());
    for (size_t i = 0; i < on_cpu[q].size(); ++i, ++hits) differ += on_cpu[q][i].doc_index != on_gpu[q][i].doc_index;
  }
  EXPECT_LE(static_cast<double>(differ), 0.02 * static_cast<double>(hits));

  // Mining with the checkpoint: GPU against CPU.
  auto mined = [&](const std::string& device) {
    auto copy = dataset;
    multipos::train::mine_checkpoint_negatives(copy, checkpoint, 5, 0, {}, device);
    return copy;
  };
  auto cpu_mined = mined("cpu"), gpu_mined = mined("cuda");
  size_t same = 0, total = 0;
  for (size_t q = 0; q < cpu_mined.query_texts.size(); ++q) {
    const auto& a = cpu_mined.hard_negatives[q];
    const auto& b = gpu_mined.hard_negatives[q];
    total += a.size();
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) same += a[i] == b[i];
  }
  EXPECT_GE(static_cast<double>(same), 0.98 * static_cast<double>(total));
}

// Out of device memory names the batch size to lower: a batch far beyond any GPU's memory.
TEST(Cuda, OutOfMemoryGivesTheClearMessage) {
  SKIP_WITHOUT_GPU();
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto json = tiny_config("cuda");
  TrainHooks huge;
  huge.before_step = [](int64_t step) {
    if (step == 1) {  // 2^40 floats = 4 TiB: a real CUDA allocator failure, not a fake message
      auto tensor = at::empty({int64_t{1} << 40}, at::TensorOptions().device(at::kCUDA).dtype(at::kFloat));
      (void)tensor;
    }
  };
  auto config = multipos::train::train_config_from_json(json, "test");
  try {
    multipos::train::train_run(config, store, create(store, config), huge);
    FAIL() << "a 4 TiB allocation succeeded";
  } catch (const multipos::train::TrainingFault& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("out of memory on cuda"), std::string::npos) << what;
    EXPECT_NE(what.find("batch.queries = 6"), std::string::npos) << what;
  }
}

// A one-process NCCL group starts and trains: losses equal the plain GPU run's within 1e-5.
TEST(Cuda, OneProcessNcclGroupTrains) {
  SKIP_WITHOUT_GPU();
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto json = tiny_config("cuda");
  Trained plain = train(store, json);
  json["distributed"] = {{"world_size", 1}};
  auto config = multipos::train::train_config_from_json(json, "test");
  multipos::dist::DistributedOptions options;
  options.master_port = free_port();
  options.backend = "nccl";
  options.timeout = std::chrono::seconds(60);
  std::unique_ptr<multipos::dist::DistributedContext> group;
  try {
    group = std::make_unique<multipos::dist::DistributedContext>(options, at::Device(at::kCUDA, 0));
  } catch (const multipos::dist::DistributedError& error) {
    if (std::string(error.what()).find("has no NCCL") != std::string::npos) GTEST_SKIP() << error.what();
    throw;
  }
  EXPECT_EQ(group->backend(), "nccl");
  const int64_t id = create(store, config);
  auto outcome = multipos::train::train_run(config, store, id, {}, group.get());
  EXPECT_EQ(outcome.steps_done, 20);
  expect_close_series(plain.loss, series(store, id, "loss"), 1e-5, "NCCL loss");
}
