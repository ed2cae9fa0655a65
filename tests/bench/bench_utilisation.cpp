// How close MiniLM training and evaluation encoding get to what this machine can do, in one run:
// the matrix-multiply rate the CPU reaches (torch::mm of 2048 x 2048 in fp32 and in bf16, after a
// warm-up), then the model FLOPs per second of a MiniLM training step (forward, backward, AdamW)
// and of evaluation encoding (train::encode_texts) at each precision, each as a ratio of the
// matrix rate of its precision. Model FLOPs come from the encoder's shapes (README: the formula):
// per sequence of L tokens and per layer, 2 L (4 d^2 + 2 d f) for the projections and the
// feed-forward, plus 4 L^2 d for attention; a training step counts 3x its forward pass. "useful"
// counts each text's own tokens, "computed" the padded shapes the kernels run on.
// Skips the MiniLM part (exit 0) when the model cache lacks all-minilm-l6-v2.
// Usage: bench_utilisation [--steps N] [--passages N] [--batch B G] [--profile] [--precisions LIST]
//   --steps N      timed training steps per precision after one warm-up (default 3);
//   --passages N   passages encoded (default 512); --batch B G  queries and passages each (16 4);
//   --precisions   the precisions of the model figures: default fp32, plus bf16 where "auto" would
//                  pick it (native bf16); name bf16 to measure it where LibTorch emulates it;
//   --profile      also runs 2 fp32 steps under LibTorch's profiler and prints self time per op.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/model/bert_encoder.hpp"
#include "core/model/encoder.hpp"
#include "core/train/evaluation.hpp"
#include "core/train/mini_batch.hpp"
#include "core/train/precision_choice.hpp"
#include "core/util/config_reader.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using multipos::model::TextRole;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// GFLOP/s of torch::mm at `n` x `n` in `type`: two warm-up products, then as many as fit in about
// two seconds (at least three).
double matmul_gflops(at::ScalarType type, int64_t n) {
  at::manual_seed(1);
  at::Tensor a = at::randn({n, n}).to(type), b = at::randn({n, n}).to(type);
  for (int i = 0; i < 2; ++i) at::mm(a, b);
  int reps = 0;
  const auto start = Clock::now();
  while (reps < 3 || seconds_since(start) < 2.0) {
    at::mm(a, b);
    ++reps;
  }
  return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) * reps / seconds_since(start) / 1e9;
}

std::string model_folder() {
  std::filesystem::path root;
  if (const char* cache = std::getenv("MULTIPOS_MODEL_CACHE"); cache && *cache) root = cache;
  else if (const char* home = std::getenv("HOME")) root = std::filesystem::path(home) / ".cache/multipos/models";
  const auto folder = root / "all-minilm-l6-v2";
  for (const char* file : {"config.json", "model.safetensors", "vocab.txt"})
    if (!std::filesystem::exists(folder / file)) return "";
  return folder.string();
}

// Abstract-length passages: the DBPedia slice's corpus when present (title + text), else random
// sentences of 100 to 200 common words. Queries: the slice's queries, else each passage's first
// eight words.
struct Texts {
  std::vector<std::string> passages, queries;
  std::string source;
};

Texts load_texts(size_t passages) {
  Texts texts;
  const std::string corpus = std::string(MULTIPOS_SOURCE_DIR) + "/../shared/data/beir-dbpedia-entity-5k/corpus.jsonl";
  std::ifstream in(corpus);
  for (std::string line; texts.passages.size() < passages && std::getline(in, line);) {
    const auto row = nlohmann::json::parse(line, nullptr, false);
    if (row.is_object() && row.contains("text") && row["text"].is_string())
      texts.passages.push_back(row.value("title", std::string()) + " " + row["text"].get<std::string>());
  }
  if (texts.passages.size() >= passages) {
    texts.source = corpus;
  } else {
    texts.passages.clear();
    const std::vector<std::string> words{"the", "river", "city", "was", "founded", "in", "by", "a", "north", "family",
                                         "school", "music", "band", "album", "first", "released", "county", "station"};
    std::mt19937 rng(3);
    for (size_t i = 0; i < passages; ++i) {
      std::string text;
      for (size_t w = 0, n = 100 + rng() % 100; w < n; ++w) text += (w ? " " : "") + words[rng() % words.size()];
      texts.passages.push_back(text);
    }
    texts.source = "random sentences (no DBPedia slice at " + corpus + ")";
  }
  for (const auto& passage : texts.passages) {
    std::istringstream words(passage);
    std::string word, query;
    for (int i = 0; i < 8 && words >> word; ++i) query += (i ? " " : "") + word;
    texts.queries.push_back(query);
  }
  return texts;
}

// Forward FLOPs of the encoder's matrix products for sequences of the given lengths.
struct FlopCounter {
  double d = 0, ffn = 0, layers = 0;
  double forward(const std::vector<size_t>& lengths) const {
    double total = 0;
    for (size_t length : lengths) {
      const double l = static_cast<double>(length);
      total += layers * (2 * l * (4 * d * d + 2 * d * ffn) + 4 * l * l * d);
    }
    return total;
  }
};

// Each text padded to the longest of its group of `slice` texts taken in the given order: the
// shapes the encoder runs on.
std::vector<size_t> padded(std::vector<size_t> lengths, size_t slice, bool sorted) {
  std::vector<size_t> order(lengths.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (sorted) std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] < lengths[b]; });
  std::vector<size_t> out(lengths.size());
  for (size_t start = 0; start < order.size(); start += slice) {
    const size_t end = std::min(order.size(), start + slice);
    size_t longest = 0;
    for (size_t i = start; i < end; ++i) longest = std::max(longest, lengths[order[i]]);
    for (size_t i = start; i < end; ++i) out[order[i]] = longest;
  }
  return out;
}

// One training step as the trainer takes it for InfoNCE: B queries, G passages each (its own
// first), in-batch negatives, cross-entropy at temperature 0.05, backward, AdamW.
double train_step(multipos::model::Encoder& encoder, torch::optim::AdamW& optimizer, const std::string& precision,
                  const std::vector<std::string>& queries, const std::vector<std::string>& passages, int64_t group) {
  optimizer.zero_grad();
  at::Tensor q, p;
  {
    multipos::train::AutocastScope autocast(precision, encoder.device());
    q = encoder.encode(queries, TextRole::query);
    p = encoder.encode(passages, TextRole::passage);
  }
  at::Tensor scores = at::mm(q.to(at::kFloat), p.to(at::kFloat).t()) / 0.05;
  at::Tensor targets = at::arange(static_cast<int64_t>(queries.size()), at::kLong) * group;
  at::Tensor loss = at::cross_entropy_loss(scores, targets);
  loss.backward();
  optimizer.step();
  return loss.item<double>();
}

// Self time per op name from a legacy-profiler chrome trace: an event's duration less that of the
// events nested directly in it (same thread).
void print_profile(const std::string& trace) {
  const auto events = nlohmann::json::parse(trace, nullptr, false);
  if (!events.is_array()) {
    std::printf("profile: trace not readable\n");
    return;
  }
  struct Span {
    double start, end;
    std::string name;
  };
  std::map<std::string, std::vector<Span>> by_thread;
  for (const auto& event : events)
    if (event.value("ph", "") == "X")
      by_thread[event.value("tid", nlohmann::json(0)).dump()].push_back(
          {event.value("ts", 0.0), event.value("ts", 0.0) + event.value("dur", 0.0), event.value("name", "")});
  std::map<std::string, double> self;
  double total = 0;
  for (auto& [thread, spans] : by_thread) {
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
      return a.start != b.start ? a.start < b.start : a.end > b.end;
    });
    std::vector<size_t> stack;
    for (size_t i = 0; i < spans.size(); ++i) {
      while (!stack.empty() && spans[stack.back()].end <= spans[i].start) stack.pop_back();
      const double duration = spans[i].end - spans[i].start;
      self[spans[i].name] += duration;
      if (!stack.empty()) self[spans[stack.back()].name] -= duration;
      else total += duration;
      stack.push_back(i);
    }
  }
  std::vector<std::pair<double, std::string>> sorted;
  for (const auto& [name, us] : self) sorted.emplace_back(us, name);
  std::sort(sorted.rbegin(), sorted.rend());
  std::printf("profile (2 fp32 steps, self time per op, top 15 of %.0f ms):\n", total / 1000);
  for (size_t i = 0; i < std::min<size_t>(15, sorted.size()); ++i)
    std::printf("  %6.1f%%  %8.1f ms  %s\n", 100 * sorted[i].first / total, sorted[i].first / 1000,
                sorted[i].second.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int64_t steps = 3, batch_queries = 16, group = 4;
  size_t passages = 512;
  bool profile = false;
  std::vector<std::string> precisions;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--steps" && i + 1 < argc) steps = std::max<int64_t>(1, std::atoll(argv[++i]));
    else if (arg == "--passages" && i + 1 < argc) passages = static_cast<size_t>(std::max(64LL, std::atoll(argv[++i])));
    else if (arg == "--profile") profile = true;
    else if (arg == "--batch" && i + 2 < argc) {
      batch_queries = std::max(1LL, std::atoll(argv[++i]));
      group = std::max(1LL, std::atoll(argv[++i]));
    }
    else if (arg == "--precisions" && i + 1 < argc) {
      precisions.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) precisions.push_back(item);
    } else {
      std::fprintf(stderr, "usage: bench_utilisation [--steps N] [--passages N] [--batch B G] [--profile] "
                           "[--precisions fp32,bf16]\n");
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  // As the trainer sets it: one intra-op thread per core, up to 8.
  at::set_num_threads(static_cast<int>(std::min(8u, std::max(1u, std::thread::hardware_concurrency()))));
  const std::string flags = multipos::train::cpu_flags();
  multipos::train::PrecisionFacts facts;
  facts.cpu_flags = flags;
  const auto choice = multipos::train::choose_auto_precision(facts);
  std::printf("machine: %d threads, load average %s; precision auto here: %s (%s)\n", at::get_num_threads(),
              load_average().c_str(), choice.precision.c_str(), choice.reason.c_str());

  if (precisions.empty()) precisions = choice.precision == "bf16" ? std::vector<std::string>{"fp32", "bf16"}
                                                                   : std::vector<std::string>{"fp32"};
  std::map<std::string, double> peak;
  for (const std::string precision : {"fp32", "bf16"}) {
    peak[precision] = matmul_gflops(precision == "bf16" ? at::kBFloat16 : at::kFloat, 2048);
    std::printf("matmul 2048^3 %s: %.1f GFLOP/s\n", precision.c_str(), peak[precision]);
  }
  std::printf("matmul bf16 / fp32: %.2fx\n", peak["bf16"] / peak["fp32"]);

  const std::string folder = model_folder();
  if (folder.empty()) {
    std::printf("MiniLM: all-minilm-l6-v2 not in the model cache (scripts/fetch_models): model figures skipped\n");
    return 0;
  }
  const Texts texts = load_texts(passages);
  std::printf("texts: %zu passages from %s\n", texts.passages.size(), texts.source.c_str());
  const nlohmann::json config = {{"kind", "bert"}, {"model", folder}, {"query_max_length", 32}, {"passage_max_length", 128}};
  auto encoder = multipos::model::make_encoder(multipos::util::ConfigReader(config, "bench", "encoder"), 1);
  const auto& architecture =
      dynamic_cast<multipos::model::BertEncoder&>(*encoder).tower(TextRole::passage).architecture();
  const FlopCounter flops{static_cast<double>(architecture.hidden_size), static_cast<double>(architecture.intermediate_size),
                          static_cast<double>(architecture.num_hidden_layers)};

  // Training step: B queries x G passages at up to 128 tokens (one encoder call each when at most
  // 64 texts: one padded shape).
  if (static_cast<size_t>(batch_queries * group) > texts.passages.size()) {
    std::fprintf(stderr, "bench_utilisation: --batch needs %lld passages, --passages is %zu\n",
                 static_cast<long long>(batch_queries * group), texts.passages.size());
    return 2;
  }
  std::vector<std::string> step_queries(texts.queries.begin(), texts.queries.begin() + batch_queries);
  std::vector<std::string> step_passages(texts.passages.begin(), texts.passages.begin() + batch_queries * group);
  const auto query_lengths = encoder->token_lengths(step_queries, TextRole::query);
  const auto passage_lengths = encoder->token_lengths(step_passages, TextRole::passage);
  const double step_useful = 3 * (flops.forward(query_lengths) + flops.forward(passage_lengths));
  // The encoder pads each call's texts to the longest (above 64 texts, per 64 sorted by length).
  const double step_computed = 3 * (flops.forward(padded(query_lengths, 64, query_lengths.size() > 64)) +
                                    flops.forward(padded(passage_lengths, 64, passage_lengths.size() > 64)));
  std::printf("training step: %lld queries x %lld passages, %.1f GFLOP useful, %.1f GFLOP computed (padding)\n",
              static_cast<long long>(batch_queries), static_cast<long long>(group), step_useful / 1e9,
              step_computed / 1e9);
  std::map<std::string, double> step_seconds;
  for (const std::string& precision : precisions) {
    auto model = multipos::model::make_encoder(multipos::util::ConfigReader(config, "bench", "encoder"), 1);
    model->train();
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-5));
    train_step(*model, optimizer, precision, step_queries, step_passages, group);  // warm-up
    const auto start = Clock::now();
    double loss = 0;
    for (int64_t s = 0; s < steps; ++s) loss = train_step(*model, optimizer, precision, step_queries, step_passages, group);
    step_seconds[precision] = seconds_since(start) / static_cast<double>(steps);
    const double rate = step_useful / step_seconds[precision] / 1e9;
    std::printf("train step %s: %.3f s/step, %.1f GFLOP/s useful (%.1f computed) = %.0f%% of the %s matmul rate; loss %.4f\n",
                precision.c_str(), step_seconds[precision], rate, step_computed / step_seconds[precision] / 1e9,
                100 * rate / peak[precision], precision.c_str(), loss);
  }
  if (step_seconds.count("fp32") && step_seconds.count("bf16"))
    std::printf("train step bf16 / fp32 speed: %.2fx\n", step_seconds["fp32"] / step_seconds["bf16"]);

  // Evaluation encoding of the passages: fp32 in the given order (batches of 512, the encoder's own
  // sort within each), then sorted by length at each precision.
  encoder->eval();
  const auto lengths = encoder->token_lengths(texts.passages, TextRole::passage);
  const double useful = flops.forward(lengths);
  struct Variant {
    std::string name, precision;
    bool sorted;
  };
  std::vector<Variant> variants{{"fp32, given order", "fp32", false}};
  for (const auto& precision : precisions) variants.push_back({precision + ", length-sorted", precision, true});
  multipos::train::encode_texts(*encoder, {texts.passages.begin(), texts.passages.begin() + 64}, TextRole::passage);
  at::Tensor reference;
  for (const auto& variant : variants) {
    multipos::train::EncodeOptions options;
    options.precision = variant.precision;
    options.sort_by_length = variant.sorted;
    const auto start = Clock::now();
    at::Tensor vectors = multipos::train::encode_texts(*encoder, texts.passages, TextRole::passage, {}, options);
    const double seconds = seconds_since(start);
    if (!reference.defined()) reference = vectors;
    const double cosine =
        at::cosine_similarity(vectors.to(at::kDouble), reference.to(at::kDouble), 1).min().item<double>();
    // Padded shapes: given order pads each 64-text slice of each 512 batch after the encoder's own
    // sort; globally sorted batches pad the same way over the whole corpus.
    std::vector<size_t> computed;
    if (variant.sorted) {
      computed = padded(lengths, 64, true);
    } else {
      for (size_t start_row = 0; start_row < lengths.size(); start_row += 512) {
        std::vector<size_t> part(lengths.begin() + static_cast<std::ptrdiff_t>(start_row),
                                 lengths.begin() + static_cast<std::ptrdiff_t>(std::min(lengths.size(), start_row + 512)));
        for (size_t length : padded(part, 64, true)) computed.push_back(length);
      }
    }
    const double rate = useful / seconds / 1e9;
    const std::string precision = variant.precision;
    std::printf("encode %s: %.1f passages/s, %.1f GFLOP/s useful (%.1f computed) = %.0f%% of the %s matmul rate; "
                "min cosine to fp32 given order %.6f\n",
                variant.name.c_str(), static_cast<double>(texts.passages.size()) / seconds, rate,
                flops.forward(computed) / seconds / 1e9, 100 * rate / peak[precision], precision.c_str(), cosine);
  }

  if (profile) {
    auto model = multipos::model::make_encoder(multipos::util::ConfigReader(config, "bench", "encoder"), 1);
    model->train();
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-5));
    train_step(*model, optimizer, "fp32", step_queries, step_passages, group);
    std::ostringstream trace;
    {
      torch::autograd::profiler::RecordProfile guard(trace);
      for (int s = 0; s < 2; ++s) train_step(*model, optimizer, "fp32", step_queries, step_passages, group);
    }
    print_profile(trace.str());
  }
  std::printf("load average at the end: %s\n", load_average().c_str());
  return 0;
}
