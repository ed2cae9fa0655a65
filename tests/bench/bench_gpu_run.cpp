// A whole training run as gpu-check reports it: trains a preset (default
// assets/presets/wordnet-minilm.json) for N steps on the run's device, then encodes the corpus with
// the trained checkpoint and evaluates it on a split. Prints steps/s, examples/s (from the end of
// step 0 to the end of the last step), passages encoded per second at the preset's passage length
// and at 128 tokens, nDCG@10, and the peak GPU memory LibTorch's allocator held (training, then
// evaluation). Runs on a CPU too (device auto/cpu), where the GPU figures read 0.
// Usage: bench_gpu_run [--config FILE] [--steps N] [--split test] [--set key.path=JSON ...]
#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "core/model/checkpoint.hpp"
#include "core/model/device_info.hpp"
#include "core/model/encoder.hpp"
#include "core/train/evaluation.hpp"
#include "core/train/model_negatives.hpp"
#include "core/train/run_checkpoints.hpp"
#include "core/train/trainer.hpp"
#include "core/util/config_reader.hpp"

namespace {

using Clock = std::chrono::steady_clock;

void set_path(nlohmann::json& json, const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos) throw std::invalid_argument("--set wants key.path=value, got " + assignment);
  const std::string key = assignment.substr(0, equals), text = assignment.substr(equals + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;
  nlohmann::json* node = &json;
  size_t start = 0;
  for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) node = &(*node)[key.substr(start, dot - start)];
  (*node)[key.substr(start)] = value;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = std::string(MULTIPOS_SOURCE_DIR) + "/assets/presets/wordnet-minilm.json", split = "test";
  int64_t steps = 300;
  std::vector<std::string> sets;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) config_path = argv[++i];
    else if (arg == "--steps" && i + 1 < argc) steps = std::atoll(argv[++i]);
    else if (arg == "--split" && i + 1 < argc) split = argv[++i];
    else if (arg == "--set" && i + 1 < argc) sets.push_back(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_gpu_run [--config FILE] [--steps N] [--split test] [--set key.path=JSON ...]\n");
      return 2;
    }
  }
  std::ifstream file(config_path);
  if (!file) {
    std::fprintf(stderr, "bench_gpu_run: cannot read %s\n", config_path.c_str());
    return 2;
  }
  nlohmann::json json = nlohmann::json::parse(file);
  json["steps"] = steps;
  json["eval"] = {{"every", 0}, {"at_end", false}};
  json["checkpoint"] = {{"every", 0}, {"at_end", true}};
  json["print_every"] = 1;
  for (const auto& assignment : sets) set_path(json, assignment);

  const auto db = std::filesystem::temp_directory_path() / ("multipos-gpu-run-" + std::to_string(::getpid()));
  std::filesystem::create_directories(db);
  int status = 0;
  try {
    auto config = multipos::train::train_config_from_json(json, config_path);
    const at::Device device = multipos::model::preferred_device(json.value("device", std::string("auto")));
    multipos::model::reset_cuda_peak(device);
    std::printf("bench_gpu_run: %s, %s, %lld steps, B=%lld\n", config_path.c_str(),
                multipos::model::runtime_line(device).c_str(), static_cast<long long>(steps),
                static_cast<long long>(config.batch.queries));
    std::fflush(stdout);

    multipos::store::RunStore store((db / "runs.sqlite").string());
    multipos::store::NewRun run;
    run.name = run.objective = config.objective.name;
    run.dataset = "bench";
    run.config_json = multipos::train::to_json(config).dump();
    run.total_steps = steps;
    const int64_t id = store.create_run(run);
    Clock::time_point first, last;
    multipos::train::TrainHooks hooks;
    hooks.on_progress = [&](const multipos::train::StepProgress& progress) {
      (progress.step == 0 ? first : last) = Clock::now();
    };
    const auto started = Clock::now();
    multipos::train::train_run(config, store, id, hooks);
    const double run_seconds = seconds_since(started);
    const double step_seconds = std::chrono::duration<double>(last - first).count();
    const double steps_per_s = static_cast<double>(steps - 1) / step_seconds;
    const int64_t train_peak = multipos::model::cuda_peak_allocated_bytes(device);

    // Evaluation with the trained checkpoint, timed apart from training.
    auto checkpoint = multipos::train::latest_checkpoint((db / "runs.sqlite").string(), *store.find_run(id));
    if (!checkpoint) throw std::runtime_error("no final checkpoint written");
    auto dataset = multipos::train::load_training_dataset(json.at("dataset"), config_path);
    multipos::model::reset_cuda_peak(device);
    // The run's precision, as the trainer's own evaluation encodes ("auto" resolved for the device).
    multipos::train::EncodeOptions encoding;
    encoding.precision = multipos::train::evaluation_precision(config.optimizer, device);
    auto encode_rate = [&](const nlohmann::json& encoder_json) {
      auto encoder = multipos::model::make_encoder(multipos::util::ConfigReader(encoder_json, config_path, "encoder"), 1);
      multipos::model::load_checkpoint(*encoder, checkpoint->dir, json.at("encoder"));
      encoder->move_to(device);
      encoder->eval();
      torch::NoGradGuard no_grad;
      std::vector<std::string> warm(dataset.passage_texts.begin(),
                                    dataset.passage_texts.begin() + std::min<size_t>(512, dataset.passage_texts.size()));
      multipos::train::encode_texts(*encoder, warm, multipos::model::TextRole::passage, {}, encoding);  // kernels
      multipos::model::synchronize(device);
      const auto start = Clock::now();
      multipos::train::encode_texts(*encoder, dataset.passage_texts, multipos::model::TextRole::passage, {}, encoding);
      multipos::model::synchronize(device);
      return static_cast<double>(dataset.passage_texts.size()) / seconds_since(start);
    };
    const double passages_per_s = encode_rate(json.at("encoder"));
    double passages_per_s_128 = 0;
    if (json.at("encoder").value("kind", "") == "bert") {
      nlohmann::json long_passages = json.at("encoder");
      long_passages["passage_max_length"] = 128;
      passages_per_s_128 = encode_rate(long_passages);
    }
    auto encoder = multipos::model::make_encoder(multipos::util::ConfigReader(json.at("encoder"), config_path, "encoder"), 1);
    multipos::model::load_checkpoint(*encoder, checkpoint->dir, json.at("encoder"));
    encoder->move_to(device);
    encoder->eval();
    const auto eval_start = Clock::now();
    const auto evaluation = multipos::train::evaluate_encoder(*encoder, dataset, split, config.objective.similarity == "cosine",
                                                              100, nullptr, {}, encoding.precision);
    const double eval_seconds = seconds_since(eval_start);
    const int64_t eval_peak = multipos::model::cuda_peak_allocated_bytes(device);

    std::printf("training: %.2f steps/s, %.1f examples/s (steps 1..%lld), whole run %.1f s\n", steps_per_s,
                steps_per_s * static_cast<double>(config.batch.queries), static_cast<long long>(steps - 1), run_seconds);
    std::printf("encoding (%s): %.0f passages/s at passage_max_length %d", encoding.precision.c_str(), passages_per_s,
                json.at("encoder").value("passage_max_length", 0));
    if (passages_per_s_128 > 0) std::printf(", %.0f passages/s at 128 tokens", passages_per_s_128);
    std::printf(" (%zu passages)\n", dataset.passage_texts.size());
    std::printf("evaluation on %s: nDCG@10 %.4f, Recall@100 %.4f (%.1f s with search)\n", split.c_str(),
                evaluation.mean_of("ndcg_cut_10"), evaluation.mean_of("recall_100"), eval_seconds);
    std::printf("peak GPU memory: %.2f GiB training, %.2f GiB evaluation\n", static_cast<double>(train_peak) / (1 << 30),
                static_cast<double>(eval_peak) / (1 << 30));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_gpu_run: %s\n", error.what());
    status = 1;
  }
  std::filesystem::remove_all(db);
  return status;
}
