// Exact (brute-force) nearest-neighbour search over embedding matrices, the ground truth that
// approximate indexes and evaluation runs are checked against. Ties follow trec_eval's order so
// a written run re-reads into the same ranking. torch stays out of this header on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/eval/trec_run.hpp"

namespace at {
class Tensor;
}

namespace multipos::eval {

enum class Similarity { dot, cosine };

struct Hit {
  std::int64_t doc_index = 0;  // row of the corpus matrix
  float score = 0.0f;
};

// One list per query row, best first, at most k hits each.
using SearchResults = std::vector<std::vector<Hit>>;

struct SearchOptions {
  Similarity similarity = Similarity::dot;
  std::size_t k = 100;
  // Upper bound on the query x corpus score block held at once; the corpus is walked in
  // row chunks sized to fit, so memory stays flat whatever the corpus size.
  std::size_t score_budget_bytes = std::size_t{64} << 20;
  // Drop the corpus document whose id equals the query's id (needs both id lists).
  bool ignore_identical_ids = false;
};

// Top-k corpus rows for every query row. `queries` is Q x d and `corpus` N x d, float32 on the
// CPU, free of NaN. Equal scores rank by corpus id descending (byte-wise), as trec_eval does;
// with no corpus ids, by row index descending. Corpus ids, when given, must be unique.
// Parallel over queries with ATen's intra-op thread pool (at::set_num_threads).
// Throws std::invalid_argument on bad shapes, dtypes, ids or options.
SearchResults exact_search(const at::Tensor& queries, const at::Tensor& corpus,
                           const SearchOptions& options,
                           const std::vector<std::string>& query_ids = {},
                           const std::vector<std::string>& corpus_ids = {});

// Reference for tests: every score by a plain double-precision loop (rounded to float), then a
// full sort. Same contract as exact_search, far slower.
SearchResults brute_force_search(const at::Tensor& queries, const at::Tensor& corpus,
                                 const SearchOptions& options,
                                 const std::vector<std::string>& query_ids = {},
                                 const std::vector<std::string>& corpus_ids = {});

// Turns search results into a run keyed by string ids, ready for metrics or write_trec_run.
Run to_run(const SearchResults& results, const std::vector<std::string>& query_ids,
           const std::vector<std::string>& corpus_ids);

}  // namespace multipos::eval
