// Ranking metrics with graded relevance, per query and averaged, following trec_eval's
// conventions exactly (see docs on `evaluate`). No torch here: metrics work on runs and qrels.
// Thread-safety: every function is pure; distinct calls may run concurrently.
// `evaluate` scores queries on its own short-lived threads (EvalOptions::threads).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/eval/trec_run.hpp"

namespace multipos::eval {

enum class MeasureKind {
  ndcg_cut,        // trec_eval ndcg_cut_k: gain = grade, discount log2(rank + 1)
  recall,          // trec_eval recall_k
  precision,       // trec_eval P_k (always divided by k, as trec_eval does)
  recip_rank,      // trec_eval recip_rank: no cutoff
  recip_rank_cut,  // MRR@k: recip_rank restricted to the top k (not a trec_eval measure)
  map,             // trec_eval map
  map_cut,         // trec_eval map_cut_k: precision summed over the top k, divided by all relevant
};

struct Measure {
  MeasureKind kind = MeasureKind::map;
  int cutoff = 0;  // 0 for the measures that take none (recip_rank, map)

  // trec_eval's name ("ndcg_cut_10", "P_10", "map", ...); MRR@k is "recip_rank_cut_10".
  std::string name() const;
  // Inverse of name(); throws std::invalid_argument on an unknown name or a bad cutoff.
  static Measure parse(const std::string& name);
};

std::vector<Measure> parse_measures(const std::vector<std::string>& names);

struct EvalOptions {
  // trec_eval -l: a document is relevant for the binary measures when grade >= this.
  // nDCG ignores it and uses every positive grade as gain, as trec_eval's ndcg_cut does.
  int relevance_threshold = 1;
  // trec_eval -c: average over every query of the qrels; those missing from the run score 0.
  // Off (the trec_eval default): average over the queries present in both run and qrels.
  bool average_over_all_judged_queries = false;
  // Worker threads scoring queries; 0 uses std::thread::hardware_concurrency(). Results do
  // not depend on it: the mean is summed in query order after all queries are scored.
  unsigned threads = 0;
};

struct QueryScores {
  std::string query_id;
  std::vector<double> values;  // one per measure, in Evaluation::measures order
  bool in_run = true;          // false only for -c queries absent from the run
};

struct Evaluation {
  std::vector<Measure> measures;
  std::vector<QueryScores> per_query;  // sorted by query id
  std::vector<double> mean;            // one per measure, over per_query

  // Index of the measure with this name; throws std::out_of_range if not evaluated.
  std::size_t measure_index(const std::string& measure_name) const;
  double mean_of(const std::string& measure_name) const;
  // Throws std::out_of_range when the query was not evaluated.
  double value(const std::string& query_id, const std::string& measure_name) const;
};

// Scores one query. `entries` may be in any order: they are ranked by trec_eval's rule.
// Throws std::invalid_argument on a duplicated document.
std::vector<double> evaluate_query(const QueryJudgments& judgments,
                                   const std::vector<RunEntry>& entries,
                                   const std::vector<Measure>& measures,
                                   int relevance_threshold = 1,
                                   const std::string& query_id = "");

// Scores every query and averages, the trec_eval way:
// - queries of the run without judgments are ignored;
// - queries with judgments but no relevant document are scored (0 on every measure here) and
//   count in the mean;
// - queries with judgments but absent from the run are left out unless options ask for -c;
// - each query's documents are re-sorted by score descending, then doc id descending;
// - a document twice in one query is an error (std::invalid_argument).
// Throws std::invalid_argument when no query is left to average over.
Evaluation evaluate(const Qrels& qrels, const Run& run, const std::vector<Measure>& measures,
                    const EvalOptions& options = {});

}  // namespace multipos::eval
