#include "core/train/evaluation.hpp"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <iterator>
#include <numeric>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/data/dataset_factory.hpp"
#include "core/eval/search.hpp"
#include "core/model/checkpoint.hpp"
#include "core/model/device_info.hpp"
#include "core/train/mini_batch.hpp"
#include "core/train/model_negatives.hpp"
#include "core/train/precision_choice.hpp"
#include "core/train/run_checkpoints.hpp"
#include "core/train/train_config.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::train {

EncodeProgress progress_messages(std::function<void(const std::string&)> say, const std::string& what,
                                 double every_seconds) {
  using Clock = std::chrono::steady_clock;
  struct Timing {
    Clock::time_point start = Clock::now(), last = start;
  };
  auto timing = std::make_shared<Timing>();
  return [say = std::move(say), what, every_seconds, timing](size_t done, size_t total) {
    const auto now = Clock::now();
    if (done == 0) *timing = Timing{};  // a new encoding with the same reporter
    if (!say || done == 0 || done >= total || std::chrono::duration<double>(now - timing->last).count() < every_seconds)
      return;
    timing->last = now;
    const double elapsed = std::chrono::duration<double>(now - timing->start).count();
    const double left = elapsed * static_cast<double>(total - done) / static_cast<double>(done);
    auto clock = [](double seconds) {
      char text[24];
      const long whole = static_cast<long>(seconds + 0.5);
      std::snprintf(text, sizeof text, "%ld:%02ld", whole / 60, whole % 60);
      return std::string(text);
    };
    say(what + ": " + std::to_string(done) + " of " + std::to_string(total) + " passages encoded (" + clock(elapsed) +
        ", about " + clock(left) + " left)");
  };
}

EncodeProgress with_heartbeats(EncodeProgress inner, store::RunStore& store, int64_t run_id, double every_seconds) {
  using Clock = std::chrono::steady_clock;
  auto last = std::make_shared<Clock::time_point>(Clock::now());
  return [inner = std::move(inner), &store, run_id, every_seconds, last](size_t done, size_t total) {
    if (inner) inner(done, total);
    const auto now = Clock::now();
    if (std::chrono::duration<double>(now - *last).count() < every_seconds) return;
    *last = now;
    store.heartbeat(run_id);
  };
}

void encode_in_batches(model::Encoder& encoder, const std::vector<std::string>& texts, model::TextRole role,
                       const EncodeProgress& progress, const EncodeOptions& options, const EncodedBatch& consume) {
  c10::InferenceMode inference;
  AutocastScope autocast(options.precision, encoder.device());
  const size_t batch = std::max<size_t>(1, options.batch);
  // Encoding order: by token length when the encoder pads (stable, so equal lengths keep their
  // order), else as given.
  std::vector<int64_t> order(texts.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  if (options.sort_by_length && texts.size() > batch) {
    const std::vector<size_t> lengths = encoder.token_lengths(texts, role);
    if (lengths.size() == texts.size())
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
  }
  if (progress) progress(0, texts.size());
  for (size_t start = 0; start < texts.size(); start += batch) {
    const size_t end = std::min(texts.size(), start + batch);
    std::vector<std::string> chunk;
    for (size_t i = start; i < end; ++i) chunk.push_back(texts[static_cast<size_t>(order[i])]);
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(start);
    consume(std::vector<int64_t>(first, first + static_cast<std::ptrdiff_t>(end - start)),
            encoder.encode(chunk, role).to(at::kCPU, at::kFloat).contiguous());
    if (progress) progress(end, texts.size());
  }
}

at::Tensor encode_texts(model::Encoder& encoder, const std::vector<std::string>& texts, model::TextRole role,
                        const EncodeProgress& progress, const EncodeOptions& options) {
  c10::InferenceMode inference;
  at::Tensor result = at::empty({static_cast<int64_t>(texts.size()), encoder.dim()}, at::kFloat);
  encode_in_batches(encoder, texts, role, progress, options, [&](const std::vector<int64_t>& rows, const at::Tensor& vectors) {
    result.index_copy_(0, at::tensor(rows, at::kLong), vectors);  // each row to its text's place
  });
  return result;
}

PrecisionFacts precision_facts(const at::Device& device) {
  PrecisionFacts facts;
  facts.cuda = device.is_cuda();
  facts.cuda_bf16 = model::cuda_supports_bf16(device);
  facts.cuda_name = facts.cuda ? model::device_description(device) : "";
  facts.cpu_flags = facts.cuda ? "" : cpu_flags();
  return facts;
}

std::string evaluation_precision(const OptimizerConfig& optimizer, const at::Device& device) {
  if (optimizer.precision == "auto" && optimizer.precision_resolved.empty())
    return choose_auto_precision(precision_facts(device)).precision;
  const std::string& precision = effective_precision(optimizer);
  return precision == "fp16" && !device.is_cuda() ? "fp32" : precision;
}

const std::vector<std::string>& training_measures() {
  static const std::vector<std::string> names = {"ndcg_cut_10", "recall_100", "recip_rank_cut_10", "map"};
  return names;
}

eval::Qrels split_qrels(const data::Dataset& dataset, const std::string& split) {
  eval::Qrels qrels;
  for (int32_t query : dataset.split(split)) {
    auto& judged = qrels[dataset.query_ids[query]];
    for (const auto& judgment : dataset.judgments[query])
      if (!judgment.is_false_positive)
        judged[dataset.passage_ids[judgment.passage]] = static_cast<int>(std::lround(judgment.grade));
  }
  return qrels;
}

namespace {

EncodeOptions options_for(const std::string& precision) {
  EncodeOptions options;
  options.precision = precision;
  return options;
}

// Exact top-k over a corpus that arrives in blocks of rows: each block is searched on its own and
// its lists merged into the kept ones. Equal scores rank as exact_search ranks them over the whole
// corpus: by corpus id descending (byte-wise), or without ids by row index descending, so the
// result is the whole-corpus search's.
class StreamedSearch {
 public:
  StreamedSearch(const QuerySearch& search, const std::vector<std::string>* corpus_ids)
      : queries_(search.queries), options_(search.options), query_ids_(search.query_ids), corpus_ids_(corpus_ids),
        kept_(static_cast<size_t>(queries_.size(0))) {}

  void add(const std::vector<int64_t>& rows, const at::Tensor& block) {
    // The block's ids in the tie order: the corpus ids, or the row numbers zero-padded so that
    // byte order is numeric order.
    std::vector<std::string> ids;
    ids.reserve(rows.size());
    for (int64_t row : rows) {
      if (corpus_ids_) {
        ids.push_back((*corpus_ids_)[static_cast<size_t>(row)]);
      } else {
        char padded[24];
        std::snprintf(padded, sizeof padded, "%020lld", static_cast<long long>(row));
        ids.emplace_back(padded);
      }
    }
    eval::SearchResults found = eval::exact_search(queries_, block, options_, query_ids_, ids);
    for (size_t q = 0; q < found.size(); ++q) {
      for (auto& hit : found[q]) hit.doc_index = rows[static_cast<size_t>(hit.doc_index)];
      std::vector<eval::Hit> merged;
      merged.reserve(kept_[q].size() + found[q].size());
      std::merge(kept_[q].begin(), kept_[q].end(), found[q].begin(), found[q].end(), std::back_inserter(merged),
                 [this](const eval::Hit& a, const eval::Hit& b) { return ranks_before(a, b); });
      if (merged.size() > options_.k) merged.resize(options_.k);
      kept_[q] = std::move(merged);
    }
  }

  eval::SearchResults results() { return std::move(kept_); }

 private:
  bool ranks_before(const eval::Hit& a, const eval::Hit& b) const {
    if (a.score != b.score) return a.score > b.score;
    if (corpus_ids_)
      return (*corpus_ids_)[static_cast<size_t>(a.doc_index)] > (*corpus_ids_)[static_cast<size_t>(b.doc_index)];
    return a.doc_index > b.doc_index;
  }

  at::Tensor queries_;
  eval::SearchOptions options_;
  std::vector<std::string> query_ids_;
  const std::vector<std::string>* corpus_ids_;
  eval::SearchResults kept_;
};

// Rows gathered from encoded batches until a search block is full: fewer, larger searches than
// one per encoder batch, and memory bounded by the block (kSearchBlock x dim floats), not the corpus.
constexpr int64_t kSearchBlock = 8192;

}  // namespace

eval::SearchResults search_encoded_corpus(model::Encoder& encoder, const std::vector<std::string>& corpus_texts,
                                          const std::vector<std::string>* corpus_ids,
                                          const std::vector<QuerySearch>& searches, const EncodeProgress& progress,
                                          const EncodeOptions& options, std::vector<eval::SearchResults>* more) {
  std::vector<StreamedSearch> streams;
  for (const auto& search : searches)
    streams.emplace_back(search, search.tie_by_corpus_ids ? corpus_ids : nullptr);
  std::vector<int64_t> pending_rows;
  std::vector<at::Tensor> pending;
  auto flush = [&] {
    if (pending_rows.empty()) return;
    const at::Tensor block = at::cat(pending);
    for (auto& stream : streams) stream.add(pending_rows, block);
    pending_rows.clear();
    pending.clear();
  };
  encode_in_batches(encoder, corpus_texts, model::TextRole::passage, progress, options,
                    [&](const std::vector<int64_t>& rows, const at::Tensor& vectors) {
                      pending_rows.insert(pending_rows.end(), rows.begin(), rows.end());
                      pending.push_back(vectors);
                      if (static_cast<int64_t>(pending_rows.size()) >= kSearchBlock) flush();
                    });
  flush();
  if (more)
    for (size_t i = 1; i < streams.size(); ++i) more->push_back(streams[i].results());
  return streams.empty() ? eval::SearchResults{} : streams[0].results();
}

namespace {

}  // namespace

eval::Evaluation evaluate_encoder(model::Encoder& encoder, const data::Dataset& dataset, const std::string& split,
                                  bool cosine, size_t top_k, InspectedQueries* inspected,
                                  const EncodeProgress& corpus_progress, const std::string& precision) {
  torch::NoGradGuard no_grad;
  bool was_training = encoder.is_training();
  encoder.eval();
  std::vector<std::string> query_ids, query_texts;
  for (int32_t query : dataset.split(split)) {
    query_ids.push_back(dataset.query_ids[query]);
    query_texts.push_back(dataset.query_texts[query]);
  }
  if (query_ids.empty()) throw std::invalid_argument("split '" + split + "' of dataset '" + dataset.name + "' is empty");
  // The queries first (few), then the corpus streamed through the search block by block: the
  // corpus matrix is never held whole.
  std::vector<QuerySearch> searches(1);
  searches[0].queries = encode_texts(encoder, query_texts, model::TextRole::query, {}, options_for(precision));
  searches[0].options.k = top_k;
  searches[0].options.similarity = cosine ? eval::Similarity::cosine : eval::Similarity::dot;
  if (inspected && !inspected->queries.empty()) {  // the query inspector's lists, from the same encoding
    std::vector<std::string> texts;
    for (int32_t query : inspected->queries) texts.push_back(dataset.query_texts[query]);
    QuerySearch inspect;
    inspect.queries = encode_texts(encoder, texts, model::TextRole::query, {}, options_for(precision));
    inspect.options.k = inspected->top_k;
    inspect.options.similarity = searches[0].options.similarity;
    inspect.tie_by_corpus_ids = false;
    searches.push_back(inspect);
  }
  std::vector<eval::SearchResults> inspected_results;
  auto results = search_encoded_corpus(encoder, dataset.passage_texts, &dataset.passage_ids, searches, corpus_progress,
                                       options_for(precision), &inspected_results);
  encoder.train(was_training);
  if (!inspected_results.empty())
    for (size_t q = 0; q < inspected_results[0].size(); ++q)
      for (size_t rank = 0; rank < inspected_results[0][q].size(); ++rank) {
        const eval::Hit& hit = inspected_results[0][q][rank];
        inspected->rows.push_back({inspected->step, dataset.query_ids[inspected->queries[q]], static_cast<int>(rank + 1),
                                   dataset.passage_ids[static_cast<size_t>(hit.doc_index)], hit.score});
      }
  auto run = eval::to_run(results, query_ids, dataset.passage_ids);
  return eval::evaluate(split_qrels(dataset, split), run, eval::parse_measures(training_measures()));
}

eval::Evaluation evaluate_stored_run(store::RunStore& store, int64_t run_id, const std::string& split) {
  auto run = store.find_run(run_id);
  if (!run) throw std::invalid_argument(store.path() + ": no run " + std::to_string(run_id));
  const std::string source = "run " + std::to_string(run_id) + " config";
  TrainConfig config = train_config_from_json(nlohmann::json::parse(run->config_json), source);
  data::Dataset dataset = load_training_dataset(config.dataset, source);
  auto encoder = model::make_encoder(util::ConfigReader(config.encoder, source, "encoder"), config.seed);
  encoder->move_to(model::preferred_device(config.device));
  // The final checkpoint, else (a stopped run) the newest of its own.
  std::string dir = checkpoint_dir(store.path(), run_id, "final");
  if (auto latest = latest_checkpoint(store.path(), *run); latest && !std::filesystem::exists(dir)) dir = latest->dir;
  int64_t step = model::load_checkpoint(*encoder, dir, to_json(config)["encoder"]);
  auto result = evaluate_encoder(*encoder, dataset, split, config.objective.similarity == "cosine", 100, nullptr, {},
                                 evaluation_precision(config.optimizer, encoder->device()));
  std::vector<store::EvaluationRow> rows;
  for (size_t m = 0; m < result.measures.size(); ++m) {
    rows.push_back({step, split, result.measures[m].name(), "", result.mean[m]});
    for (const auto& query : result.per_query) rows.push_back({step, split, result.measures[m].name(), query.query_id, query.values[m]});
  }
  store.append_evaluations(run_id, rows);
  return result;
}

}  // namespace multipos::train
