// What a study's stored runs measured, read back from the run store: each run's final metrics on
// the study's split (mean and per query) and how it spread probability mass and gradient over
// true positives, false positives and negatives at its last probe snapshot. Torch-free.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"
#include "core/study/study_spec.hpp"

namespace multipos::study {

// The metrics a study reports, as stored (trec_eval names), and their display labels.
const std::vector<std::string>& study_metrics();
std::string metric_label(const std::string& metric);  // "ndcg_cut_10" -> "nDCG@10"

// Shares at one probe step, averaged over the probe queries. Masses are the objective-independent
// softmax probabilities the probe records over each query's candidates; gradient shares are each
// group's part of sum |dL/ds| of the query.
struct Allocation {
  bool present = false;
  int64_t step = 0;
  double true_mass = 0, false_mass = 0, negative_mass = 0;
  double true_gradient = 0, false_gradient = 0, negative_gradient = 0;
  // By the positives' relevance grade (true and false positives alike), when the probe rows hold
  // more than one grade: the same shares of mass and of sum |dL/ds|. Empty otherwise.
  std::map<double, double> grade_mass, grade_gradient;
};
Allocation allocation_of(const std::vector<store::ProbeRow>& rows);

struct RunResult {
  int64_t run_id = 0;
  std::string status, error;
  int64_t step = -1;                                            // step of the final evaluation
  std::map<std::string, double> mean;                           // metric -> value
  std::map<std::string, std::map<std::string, double>> per_query;  // metric -> query id -> value
  Allocation allocation;
  bool scored() const { return !mean.empty(); }
};

struct StudyResults {
  StudySpec spec;
  std::map<std::string, RunResult> cells;  // StudyCell::key() -> result
  RunResult bm25;
  std::map<uint64_t, RunResult> untrained;  // seed -> result
  int finished = 0, unfinished = 0, failed = 0;  // planned runs only

  const RunResult* find(const StudyCell& cell) const;
};

// Reads every run the state names; runs missing from the store count as unfinished.
StudyResults collect_results(const StudyState& state, const store::RunStore& store);

}  // namespace multipos::study
