// TREC runs (ranked documents per query; not training runs, which are core/runs/) and relevance
// judgments, the two inputs of every metric.
// Also holds the one ranking rule shared by search, metrics and run files: trec_eval's order
// (score descending, then document id descending by byte-wise string comparison).
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace multipos::eval {

// One retrieved document of a query. The rank column of a run file is not kept: trec_eval
// ignores it and re-sorts by score, so we do the same.
struct RunEntry {
  std::string doc_id;
  double score = 0.0;
};

// Query id -> retrieved documents, in any order. std::map keeps output deterministic.
using Run = std::map<std::string, std::vector<RunEntry>>;

// Query id -> (document id -> relevance grade). Grades <= 0 carry no gain; a document absent
// from a query's judgments counts as non-relevant, exactly as in trec_eval.
using QueryJudgments = std::unordered_map<std::string, int>;
using Qrels = std::map<std::string, QueryJudgments>;

// True when `a` ranks before `b` under trec_eval's rule: higher score first, and among equal
// scores the larger document id (strcmp order) first.
inline bool ranks_before(double score_a, const std::string& id_a, double score_b,
                         const std::string& id_b) {
  if (score_a != score_b) return score_a > score_b;
  return id_a.compare(id_b) > 0;
}

// Sorts entries into trec_eval's order in place.
void sort_trec_order(std::vector<RunEntry>& entries);

// Throws std::invalid_argument naming the query and document when a document appears twice
// for the same query (trec_eval refuses such runs).
void check_no_duplicate_docs(const std::string& query_id, const std::vector<RunEntry>& entries);

}  // namespace multipos::eval
