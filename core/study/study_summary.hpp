// The numbers a study report shows, computed from its results: seed means with min-max over
// seeds, paired significance between objectives (per-query values averaged over seeds, then a
// paired t-test and a randomization test over queries), and the generated summary sentences.
// Every sentence is derived from these numbers at report time; nothing is written in advance.
#pragma once

#include <string>
#include <vector>

#include "core/study/study_results.hpp"

namespace multipos::study {

// The baselines a study reports beside the objectives, by the names its figures and tables use.
inline const char* const kBm25Baseline = "bm25";
inline const char* const kUntrainedBaseline = "untrained";

struct SeedAggregate {
  double mean = 0, min = 0, max = 0;
  int seeds = 0;  // finished runs that contributed
};

SeedAggregate aggregate_metric(const StudyResults& results, const std::string& regime, double noise_rate,
                               const std::string& objective, const std::string& metric);
SeedAggregate aggregate_untrained(const StudyResults& results, const std::string& metric);

// A field of Allocation, averaged over seeds like a metric.
enum class AllocationField { false_mass, false_gradient, true_mass, true_gradient, negative_mass, negative_gradient };
SeedAggregate aggregate_allocation(const StudyResults& results, const std::string& regime, double noise_rate,
                                   const std::string& objective, AllocationField field);

// The relevance grades the finished runs' probe rows split allocation by (issue #24), highest
// first; empty when the data has a single grade.
std::vector<double> allocation_grades(const StudyResults& results);
std::string format_grade(double grade);  // 3 -> "3", 0.5 -> "0.5"
// The share of mass (or of |dL/ds|) on the positives of one grade, averaged over seeds like a metric
// (a finished run whose probes hold no positive of that grade counts as 0).
SeedAggregate aggregate_grade_allocation(const StudyResults& results, const std::string& regime, double noise_rate,
                                         const std::string& objective, double grade, bool gradient);

struct PairedComparison {
  bool valid = false;     // false when either side has no finished run or fewer than 2 queries
  double delta = 0;       // mean over queries of (objective - reference)
  double t_test_p = 1;
  double randomization_p = 1;
  int queries = 0;
  int wins = 0, ties = 0, losses = 0;
};

// `objective` against `reference` in one cell of the grid (per-query values averaged over the
// seeds both finished). The reference may be "bm25" (the study's BM25 run).
PairedComparison compare_in_cell(const StudyResults& results, const std::string& regime, double noise_rate,
                                 const std::string& objective, const std::string& reference, const std::string& metric);

struct StudySummary {
  bool learned = true;                 // some objective beats the untrained encoder on average
  std::vector<std::string> sentences;  // Markdown bullet texts, in reading order
};

StudySummary summarize(const StudyResults& results);

// Display name of an objective ("lsepair" -> "LSEPair").
std::string objective_label(const std::string& objective);

}  // namespace multipos::study
