// Retrieval evaluation of an encoder on one split of a dataset: encode the split's queries, then
// stream the corpus (inference mode, the run's precision, length-sorted batches) through an exact
// top-k search block by block, and score the run with trec_eval-exact metrics.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/eval/metrics.hpp"
#include "core/eval/search.hpp"
#include "core/model/encoder.hpp"
#include "core/store/run_store.hpp"
#include "core/train/precision_choice.hpp"
#include "core/train/train_config.hpp"

namespace multipos::train {

// Measures recorded during training, by trec_eval name.
const std::vector<std::string>& training_measures();

// Qrels of a split: planted or injected false positives are left out (they are not relevant).
eval::Qrels split_qrels(const data::Dataset& dataset, const std::string& split);

// Told after each batch of encode_texts how many texts are encoded and how many there are.
using EncodeProgress = std::function<void(size_t done, size_t total)>;

// An EncodeProgress that says "<what>: 40960 of 82115 passages encoded (1:20, about 1:30 left)"
// through `say` at most every `every_seconds` (and never for an encoding that ends sooner): a
// pretrained encoder can take many minutes over a large corpus on a CPU.
EncodeProgress progress_messages(std::function<void(const std::string&)> say, const std::string& what,
                                 double every_seconds = 30);

// `inner`, plus a heartbeat of `run_id` in `store` at most every `every_seconds` while encoding:
// a worker's final evaluation with a pretrained encoder can take minutes, longer than the
// scheduler's heartbeat timeout, and must not be mistaken for a hung worker.
EncodeProgress with_heartbeats(EncodeProgress inner, store::RunStore& store, int64_t run_id, double every_seconds = 5);

// How encode_texts computes: `precision` autocasts the encoder as training does ("bf16", "fp16"
// on CUDA; "fp32"/"fp64" as the weights are); `sort_by_length` batches texts of similar token
// length together (Encoder::token_lengths) so batches carry little padding, rows returned in the
// callers' order all the same.
struct EncodeOptions {
  std::string precision = "fp32";
  bool sort_by_length = true;
  size_t batch = 512;  // texts per encoder call
};

// Encodes texts in inference mode in batches of options.batch (length-sorted: see EncodeOptions)
// and hands each batch to `consume` as the texts' indices and their CPU float32 rows.
using EncodedBatch = std::function<void(const std::vector<int64_t>& rows, const at::Tensor& vectors)>;
void encode_in_batches(model::Encoder& encoder, const std::vector<std::string>& texts, model::TextRole role,
                       const EncodeProgress& progress, const EncodeOptions& options, const EncodedBatch& consume);

// Encodes texts in inference mode (no autograd), as CPU float32 rows in the order of `texts`.
at::Tensor encode_texts(model::Encoder& encoder, const std::vector<std::string>& texts, model::TextRole role,
                        const EncodeProgress& progress = {}, const EncodeOptions& options = {});

// What "auto" precision depends on for `device`: its CUDA bf16 support, else this CPU's flags.
PrecisionFacts precision_facts(const at::Device& device);

// The precision evaluation encodes in for a run's optimizer config: its training precision ("auto"
// resolved for `device` when the config has not resolved it yet, e.g. a baseline's; fp16, which
// needs CUDA, as fp32 on a CPU).
std::string evaluation_precision(const OptimizerConfig& optimizer, const at::Device& device);

// One set of query vectors to search an encoded corpus with. Ties rank by corpus id descending
// (tie_by_corpus_ids, as evaluation runs do) or by corpus row descending.
struct QuerySearch {
  at::Tensor queries;  // Q x dim, CPU float32
  eval::SearchOptions options;
  bool tie_by_corpus_ids = true;
  std::vector<std::string> query_ids;  // needed by options.ignore_identical_ids
};

// Exact top-k of each search over `corpus_texts` encoded as passages, streamed: the corpus is
// encoded batch by batch and searched in blocks of 8192 rows, so memory stays that of one block
// whatever the corpus size; the results equal exact_search over the whole encoded corpus. Returns
// the first search's results; those of the others go to `more` in order.
eval::SearchResults search_encoded_corpus(model::Encoder& encoder, const std::vector<std::string>& corpus_texts,
                                          const std::vector<std::string>* corpus_ids,
                                          const std::vector<QuerySearch>& searches, const EncodeProgress& progress = {},
                                          const EncodeOptions& options = {},
                                          std::vector<eval::SearchResults>* more = nullptr);

// When `inspected` is given, also retrieves the top `inspected->top_k` passages of each of its
// queries (the run's probe queries) from the same corpus encoding, for the query inspector.
struct InspectedQueries {
  std::vector<int32_t> queries;  // dataset query indices
  size_t top_k = 20;
  int64_t step = 0;
  std::vector<store::RetrievedRow> rows;  // filled: rank 1 first per query
};

eval::Evaluation evaluate_encoder(model::Encoder& encoder, const data::Dataset& dataset, const std::string& split,
                                  bool cosine = false, size_t top_k = 100, InspectedQueries* inspected = nullptr,
                                  const EncodeProgress& corpus_progress = {}, const std::string& precision = "fp32");

// Re-evaluates a stored run from its final checkpoint on `split` (dev or test) and stores the
// aggregate and per-query metrics at the checkpoint's step. Needs only the run store and the
// checkpoint beside it; refuses a checkpoint written for another encoder config.
eval::Evaluation evaluate_stored_run(store::RunStore& store, int64_t run_id, const std::string& split);

}  // namespace multipos::train
