// Training-step cost of the diagnostics, per objective: the same run (data, encoder, batch, seed)
// with in-batch diagnostics and probes off, with in-batch diagnostics on, and with both on.
// Prints ms per step and the overhead ratios.
// Usage: bench_train_step [steps] [threads] [--objective NAME] [--plain-only] [--dump-texts FILE]
//                         [--encoder bag|transformer|bert] [--batch B G] [--peer SCRIPT]
//   --objective NAME  only that objective; --plain-only  only the plain column (one median);
//   --encoder  bag (65536 x 96), transformer (2 layers, width 128, 4 heads, ffn 512, hashed words)
//     or bert (all-minilm-l6-v2 from the model cache); the last two with max lengths 32 / 64;
//   --batch B G  queries and passages per query (default 32 8);
//   --peer SCRIPT  after the plain median, run the PyTorch peer (peer_train_step.py) back to back on
//     the same texts, encoder, batch and thread count, and print both rates and the ratio;
//   --device D  cpu (default), cuda or auto; --precision fp32|bf16|fp16 (autocast, as the run config);
//   --encoder bert-base: random weights of BERT-base's shape (12 layers, width 768, 12 heads, ffn
//     3072, MiniLM's vocabulary) written once to a temporary model folder both sides load;
//   --dump-texts FILE  write the synthetic dataset the run trains on (tab-separated lines
//   "P<TAB>text", "Q<TAB>positive passage indices<TAB>text" for the training queries) and exit;
//   tests/bench/peer_train_step.py reads it so the PyTorch peer trains on the same texts.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <map>

#include <algorithm>
#include <chrono>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <fstream>
#include <unistd.h>

#include "core/model/safetensors.hpp"
#include "core/objectives/config.hpp"
#include "core/train/model_negatives.hpp"
#include "core/train/trainer.hpp"

namespace {

using multipos::store::RunStore;

const nlohmann::json kDatasetSpec = {{"kind", "synthetic"}, {"topics", 20}, {"queries_per_subtopic", 10}};

int dump_texts(const std::string& path) {
  auto dataset = multipos::train::load_training_dataset(kDatasetSpec, "bench");
  std::ofstream out(path);
  for (const auto& text : dataset.passage_texts) out << "P\t" << text << "\n";
  for (int32_t q : dataset.train_queries) {
    out << "Q\t";
    bool first = true;
    for (const auto& judgment : dataset.judgments[q]) {
      if (judgment.grade <= 0) continue;
      out << (first ? "" : ",") << judgment.passage;
      first = false;
    }
    out << "\t" << dataset.query_texts[q] << "\n";
  }
  std::printf("wrote %zu passages and %zu training queries to %s\n", dataset.passage_texts.size(),
              dataset.train_queries.size(), path.c_str());
  return out ? 0 : 1;
}

struct Setup {
  std::string encoder = "bag";
  int64_t queries = 32, group = 8;
  std::string device = "cpu", precision = "fp32";
  std::string model_dir;  // bert / bert-base: the folder both sides load
};

// BERT-base's shape with random weights, from MiniLM's folder: every tensor's 384 becomes 768 and
// 1536 becomes 3072, its 6 layers become 12; N(0, 0.02) weights, LayerNorm gains 1.
std::string write_bert_base(const std::string& minilm) {
  namespace fs = std::filesystem;
  const fs::path target = fs::temp_directory_path() / "multipos-bert-base-random";
  if (fs::exists(target / "model.safetensors")) return target.string();
  fs::create_directories(target);
  auto source = multipos::model::read_safetensors(minilm + "/model.safetensors");
  at::manual_seed(1);
  std::map<std::string, at::Tensor> weights;
  for (const auto& [name, tensor] : source) {
    std::vector<int64_t> shape;
    for (int64_t size : tensor.sizes()) shape.push_back(size == 384 ? 768 : size == 1536 ? 3072 : size);
    auto make = [&](const std::string& key) {
      if (!tensor.is_floating_point()) weights[key] = tensor;
      else if (key.find("LayerNorm.weight") != std::string::npos) weights[key] = at::ones(shape);
      else if (key.find("LayerNorm.bias") != std::string::npos || key.find(".bias") != std::string::npos) weights[key] = at::zeros(shape);
      else weights[key] = at::randn(shape) * 0.02;
    };
    const auto layer = name.find("layer.0.");
    if (layer == std::string::npos) {
      if (name.find("layer.") == std::string::npos) make(name);
      continue;
    }
    for (int l = 0; l < 12; ++l) make(name.substr(0, layer) + "layer." + std::to_string(l) + "." + name.substr(layer + 8));
  }
  multipos::model::write_safetensors((target / "model.safetensors").string(), weights);
  std::ifstream in(minilm + "/config.json");
  nlohmann::json config = nlohmann::json::parse(in);
  config["hidden_size"] = 768;
  config["num_hidden_layers"] = 12;
  config["num_attention_heads"] = 12;
  config["intermediate_size"] = 3072;
  std::ofstream(target / "config.json") << config.dump(2);
  fs::copy_file(minilm + "/vocab.txt", target / "vocab.txt", fs::copy_options::overwrite_existing);
  return target.string();
}

Setup setup;  // set once from the command line

// The encoders compared with the PyTorch peer; the peer script builds the same modules.
nlohmann::json encoder_json(const std::string& kind) {
  if (kind == "transformer")
    return {{"kind", "transformer"}, {"layers", 2},           {"width", 128},           {"heads", 4},
            {"ffn", 512},            {"query_max_length", 32}, {"passage_max_length", 64}, {"dropout", 0.1}};
  if (kind == "bert" || kind == "bert-base")
    return {{"kind", "bert"}, {"model", setup.model_dir}, {"query_max_length", 32}, {"passage_max_length", 64}};
  return {{"kind", "bag"}, {"buckets", 65536}, {"embedding_dim", 96}};
}

double ms_per_step(const std::string& objective, bool diagnostics, int64_t probe_every, int64_t steps, int threads) {
  auto db = std::filesystem::temp_directory_path() / ("multipos-bench-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(db);
  nlohmann::json json = {
      {"objective", {{"name", objective}, {"similarity", "cosine"}, {"temperature", 0.05}}},
      {"dataset", kDatasetSpec},
      {"encoder", encoder_json(setup.encoder)},
      {"batch", {{"queries", setup.queries}, {"group_size", setup.group}, {"max_positives", 4}}},
      {"probe", {{"every", probe_every}, {"queries", 12}, {"negatives", 24}}},
      {"eval", {{"every", 0}, {"at_end", false}}},
      {"steps", steps},
      {"threads", threads},
      {"device", setup.device},
      {"diagnostics", diagnostics},
  };
  json["optimizer"] = {{"precision", setup.precision}};
  auto config = multipos::train::train_config_from_json(json, "bench");
  RunStore store(db.string());
  multipos::store::NewRun run;
  run.name = objective;
  run.objective = objective;
  run.dataset = "synthetic";
  run.config_json = json.dump();
  int64_t id = store.create_run(run);
  // Time from the end of the first step to the end of the last: data generation, encoder set-up
  // and the first step's allocations stay out of the figure.
  std::chrono::steady_clock::time_point first, last;
  multipos::train::TrainHooks hooks;
  hooks.on_progress = [&](const multipos::train::StepProgress& progress) {
    (progress.step == 0 ? first : last) = std::chrono::steady_clock::now();
  };
  config.print_every = 1;
  multipos::train::train_run(config, store, id, hooks);
  double seconds = std::chrono::duration<double>(last - first).count();
  std::filesystem::remove(db);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  return 1000.0 * seconds / static_cast<double>(steps - 1);
}

// Median of three runs: single runs on a shared 2-core machine vary by 10-20%.
double median_ms(const std::string& objective, bool diagnostics, int64_t probe_every, int64_t steps, int threads) {
  std::vector<double> times;
  for (int repeat = 0; repeat < 3; ++repeat) times.push_back(ms_per_step(objective, diagnostics, probe_every, steps, threads));
  std::sort(times.begin(), times.end());
  return times[1];
}

// Dumps the texts, then runs the peer script with the same settings; it prints both rates.
int run_peer(const std::string& script, int64_t steps, int threads, double cpp_ms) {
  auto texts = std::filesystem::temp_directory_path() / ("multipos-bench-texts-" + std::to_string(::getpid()) + ".tsv");
  if (dump_texts(texts.string()) != 0) return 1;
  const char* python = std::getenv("MULTIPOS_PYTHON");  // the peer's Python (with torch)
  std::string command = std::string(python && *python ? python : "/usr/bin/python3") + " " + script + " " + texts.string() + " " + std::to_string(steps) + " " +
                        std::to_string(threads) + " " + std::to_string(cpp_ms) + " --encoder " + setup.encoder +
                        " --batch " + std::to_string(setup.queries) + " " + std::to_string(setup.group) +
                        " --device " + (setup.device == "cpu" ? "cpu" : "cuda") + " --precision " + setup.precision +
                        (setup.model_dir.empty() ? "" : " --model-dir " + setup.model_dir);
  std::printf("running: %s\n", command.c_str());
  std::fflush(stdout);
  int status = std::system(command.c_str());
  std::filesystem::remove(texts);
  return status == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  std::string only_objective, dump_path, peer_script;
  bool plain_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--objective" && i + 1 < argc) {
      only_objective = argv[++i];
    } else if (arg == "--dump-texts" && i + 1 < argc) {
      dump_path = argv[++i];
    } else if (arg == "--encoder" && i + 1 < argc) {
      setup.encoder = argv[++i];
    } else if (arg == "--batch" && i + 2 < argc) {
      setup.queries = std::atoll(argv[++i]);
      setup.group = std::atoll(argv[++i]);
    } else if (arg == "--peer" && i + 1 < argc) {
      peer_script = argv[++i];
      plain_only = true;
    } else if (arg == "--device" && i + 1 < argc) {
      setup.device = argv[++i];
    } else if (arg == "--precision" && i + 1 < argc) {
      setup.precision = argv[++i];
    } else if (arg == "--plain-only") {
      plain_only = true;
    } else {
      positional.push_back(arg);
    }
  }
  if (!dump_path.empty()) return dump_texts(dump_path);
  if (setup.encoder == "bert" || setup.encoder == "bert-base") {
    const char* cache = std::getenv("MULTIPOS_MODEL_CACHE");
    const char* home = std::getenv("HOME");
    const std::string minilm = (cache && *cache ? std::string(cache) : std::string(home ? home : "") + "/.cache/multipos/models") +
                               "/all-minilm-l6-v2";
    setup.model_dir = setup.encoder == "bert" ? minilm : write_bert_base(minilm);
  }
  int64_t steps = positional.size() > 0 ? std::atoll(positional[0].c_str()) : 41;
  int threads = positional.size() > 1 ? std::atoi(positional[1].c_str()) : 2;
  if (plain_only) {
    const std::string objective = only_objective.empty() ? "infonce" : only_objective;
    // libgomp reads OMP_WAIT_POLICY when it loads: spinning OpenMP workers fight OpenBLAS's own
    // threads on a small machine, so the figures depend on it (see README.md).
    const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
    std::printf("bench_train_step: median of 3 runs of %lld steps, %d threads, OMP_WAIT_POLICY=%s, B=%lld g=%lld, "
                "encoder %s, %s, device %s, %s, diagnostics and probes off\n",
                static_cast<long long>(steps), threads, wait_policy ? wait_policy : "(unset)",
                static_cast<long long>(setup.queries), static_cast<long long>(setup.group),
                encoder_json(setup.encoder).dump().c_str(), objective.c_str(), setup.device.c_str(), setup.precision.c_str());
    double ms = median_ms(objective, false, 0, steps, threads);
    std::printf("%-12s %12s %14s\n", "objective", "plain ms", "examples/s");
    std::printf("%-12s %12.2f %14.1f\n", objective.c_str(), ms, 1000.0 * static_cast<double>(setup.queries) / ms);
    std::fflush(stdout);
    return peer_script.empty() ? 0 : run_peer(peer_script, steps, threads, ms);
  }
  std::printf("bench_train_step: median of 3 runs of %lld steps, %d threads, B=%lld g=%lld, encoder %s, device %s, %s, "
              "probes: 12 queries every 10 steps\n",
              static_cast<long long>(steps), threads, static_cast<long long>(setup.queries),
              static_cast<long long>(setup.group), setup.encoder.c_str(), setup.device.c_str(), setup.precision.c_str());
  std::printf("%-12s %12s %12s %12s %10s %10s\n", "objective", "plain ms", "+diag ms", "+probe ms", "diag %", "probe %");
  for (const auto& objective : multipos::objectives::objective_names()) {
    if (!only_objective.empty() && objective != only_objective) continue;
    double plain = median_ms(objective, false, 0, steps, threads);
    double diagnostics = median_ms(objective, true, 0, steps, threads);
    double probes = median_ms(objective, true, 10, steps, threads);
    std::printf("%-12s %12.2f %12.2f %12.2f %9.1f%% %9.1f%%\n", objective.c_str(), plain, diagnostics, probes,
                100.0 * (diagnostics - plain) / plain, 100.0 * (probes - diagnostics) / plain);
    std::fflush(stdout);
  }
  return 0;
}
