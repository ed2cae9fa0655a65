// Hard negatives by BM25 for any dataset: each query's top BM25 passages (Xapian, see
// core/eval/bm25.hpp) that no judgment calls relevant, appended after the query's own hard
// negatives. Mining a large corpus is slow, so results are cached on disk, keyed by a digest of
// everything they depend on, and reused while the key matches.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"

namespace multipos::data {

struct Bm25NegativesOptions {
  int top_k = 30;      // BM25 negatives mined per query, after every judged passage is excluded
  // BM25 negatives stop being added once a query's list (its own ones first) holds this many;
  // its own are never removed. 0 = no cap.
  int per_query = 0;
  // Splits whose queries are mined; empty = every query. Train only by default: dev and test
  // never use hard negatives.
  std::vector<std::string> splits = {"train"};
  bool use_cache = true;
  // Where the cache file goes; "" = $XDG_CACHE_HOME/multipos, else ~/.cache/multipos.
  std::string cache_dir;
};

struct Bm25NegativesReport {
  std::size_t queries = 0;    // queries mined
  std::size_t added = 0;      // BM25 negatives added over all queries (after de-duplication and cap)
  bool cache_hit = false;     // the negatives came from the cache, no index was built
  std::string cache_file;     // "" when no cache was used
  std::string cache_problem;  // why the cache could not be read or written, if it could not
  double seconds = 0;         // wall time of the whole call
};

// For each query of the chosen splits: BM25 (OR of its terms) over the whole corpus, dropping
// every passage judged for the query (any grade) and a passage whose id equals the query's id
// (corpora that contain their queries, e.g. WordNet), keeping the top_k. Negatives already on the
// query stay first; a BM25 one already there is not repeated. The cache key digests the corpus
// (ids and texts), the mined queries (ids and texts), their judged passages and top_k; a file
// whose key differs is rebuilt and overwritten. A cache that cannot be written is not an error
// (the report says why). Appends a line to Dataset::notes. Throws std::invalid_argument on bad
// options (top_k < 1, per_query < 0, an unknown split).
Bm25NegativesReport mine_bm25_negatives(Dataset& dataset, const Bm25NegativesOptions& options = {});

// The directory the cache uses when Bm25NegativesOptions::cache_dir is empty ("" when neither
// XDG_CACHE_HOME nor HOME is set).
std::string default_cache_dir();

}  // namespace multipos::data
