// BM25 over a corpus through Xapian (Okapi BM25, k1 = 1.2, b = 0.75; no stemming, terms
// lower-cased by Xapian's term generator): the lexical baseline every comparison shows beside
// the dense runs. Built in memory once per corpus. Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/eval/trec_run.hpp"

namespace multipos::eval {

class Bm25Index {
 public:
  // Indexes every passage; ids and texts are parallel and ids must be unique.
  Bm25Index(const std::vector<std::string>& passage_ids, const std::vector<std::string>& passage_texts);
  ~Bm25Index();
  Bm25Index(const Bm25Index&) = delete;
  Bm25Index& operator=(const Bm25Index&) = delete;

  // Top-k passages per query (OR of the query's terms), as a run keyed by query id. A query with
  // no indexed term gets an empty list. With ignore_identical_ids, a passage whose id equals the
  // query's id is dropped (BEIR's convention for corpora that contain the queries).
  Run search(const std::vector<std::string>& query_ids, const std::vector<std::string>& query_texts, size_t k,
             bool ignore_identical_ids = false) const;

  size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace multipos::eval
