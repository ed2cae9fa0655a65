// Batch layout shared by every objective: which passages fill each query's group and which
// columns of the score matrix are a row's positives, own hard negatives and in-batch negatives.
// Torch-free: losses turn a ScoreLayout into mask tensors (masks.hpp), diagnostics read it
// directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/objectives/config.hpp"
#include "core/objectives/positive_sampling.hpp"

namespace multipos::objectives {

struct Positive {
  int64_t passage = 0;
  float grade = 1.0f;    // relevance grade, read by the graded (listwise) objectives
  int label_source = 0;  // index into ScoreLayout::label_source_names (e.g. 0=human, 1=llm)
  bool is_false_positive = false;  // known only when noise was injected on purpose
};

struct QueryCandidates {
  std::string query_id;
  std::vector<Positive> positives;      // ordered: the annotator's top positive first
  std::vector<int64_t> hard_negatives;  // mined negatives, sampled to fill the group
};

// Roles of the columns of an R x C score matrix. A training batch has one row per query and
// C = B*g columns; a probe row has one row over its positives plus a fixed negative set.
// Every column that is not a positive of row i is a negative of row i (own or in-batch).
struct ScoreLayout {
  int64_t rows = 0;
  int64_t columns = 0;
  std::vector<std::string> query_ids;                      // per row
  std::vector<std::vector<int64_t>> positive_columns;      // per row, the annotator's order
  std::vector<std::vector<int64_t>> own_negative_columns;  // per row: its group's hard negatives
  // Per column, describing the column as a positive of the row that owns it (zero / -1 / false
  // for columns that are nobody's positive). A column is a positive of at most one row.
  std::vector<float> column_grade;
  std::vector<int> column_label_source;
  std::vector<uint8_t> column_is_false_positive;
  std::vector<std::string> label_source_names;  // names used in diagnostic keys
  int max_positives = 4;                        // highest positive rank diagnostics report
  // The dataset's distinct grades, highest first, when it has more than one (else empty):
  // diagnostics then split mass and gradient by grade (diag/mass_grade_<g>, ...).
  std::vector<float> grade_levels;
  int64_t truncated_queries = 0;  // queries that lost positives to max_positives in this batch
  std::vector<std::string>
      warnings;  // for the caller to log; each kind is reported once per builder

  int64_t positive_count(int64_t row) const;
  int64_t used_rows() const;     // rows with at least one positive: they enter the loss
  int64_t dropped_rows() const;  // rows without positives: dropped from the loss and counted
  // Throws std::invalid_argument when sizes disagree or a column index is out of range.
  void check() const;
};

struct Batch {
  std::vector<int64_t> passage_ids;  // B*g passages; group i is columns i*g .. i*g+g-1
  ScoreLayout layout;
};

struct BatchOptions {
  int group_size = 8;
  int max_positives = 4;
  uint64_t seed = 0;  // mixes into rand1lh's per-query rotation and the positive draws
  // Which max_positives of a query's positives enter the batch (see positive_sample_indices).
  std::string positive_sampling = "first";
  std::vector<std::string> label_source_names = {"human", "llm"};
  std::vector<float> grade_levels;  // copied into every layout (see ScoreLayout::grade_levels)
};

// The distinct grades of these queries' positives, highest first, or empty when there are fewer
// than two (a grade split would only repeat the totals).
std::vector<float> grade_levels(const std::vector<QueryCandidates>& queries);

// A grade as diagnostic names spell it: "3", "0.5".
std::string grade_label(float grade);

// Returns a random passage id; fills groups whose query lacks hard negatives.
using RandomPassageFn = std::function<int64_t(std::mt19937_64&)>;

// 64-bit FNV-1a: stable across platforms and runs, unlike std::hash.
uint64_t fnv1a_64(const std::string& bytes);

// rand1lh rotation: (hash(query_id, seed) + epoch) mod positive_count with
// hash = fnv1a_64(query_id + '\x1f' + decimal seed), so each query cycles through all its
// positives over positive_count consecutive epochs, from a query-dependent starting point.
int64_t rand1_rotation_index(const std::string& query_id, uint64_t seed, int64_t epoch,
                             int64_t positive_count);


// Indices into a query's positives (ordered highest grade first) that enter the batch in
// `epoch`, ascending, min(m, k) of them for m = grades.size() positives and k = max_positives:
//   first:         0 .. k-1 every epoch (the annotator's top ones; the rest are never seen);
//   rotate:        (epoch*k + j) mod m for j < k, so every positive enters within ceil(m/k)
//                  epochs, highest grades first;
//   random:        k drawn uniformly without replacement, afresh each epoch;
//   graded_random: k drawn without replacement with probability proportional to the grade
//                  (Efraimidis-Spirakis keys u^(1/grade); grades <= 0 weigh 1e-6).
// random draws come from an mt19937_64 seeded with fnv1a_64(query_id, seed, epoch): they depend
// on nothing else (not the objective, not the batch RNG), so every objective of a study sees
// the same positives and a resumed run redraws the same ones. Throws std::invalid_argument for
// an unknown scheme or max_positives < 1.
std::vector<size_t> positive_sample_indices(const std::string& scheme, const std::string& query_id,
                                            const std::vector<float>& grades, int max_positives,
                                            uint64_t seed, int64_t epoch);

// Which of each query's positives have entered a training batch so far; training reports
// used / total over the training queries as data/positives_used. Part of the resumable state.
class PositiveUsage {
 public:
  void mark(const std::string& query_id, size_t positive_count, size_t index);
  int64_t used() const { return used_; }
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);  // throws std::invalid_argument on a bad state

 private:
  std::map<std::string, std::vector<uint8_t>> seen_;
  int64_t used_ = 0;
};

// Builds training batches. Not thread-safe: one builder per training loop (it remembers which
// warnings it has already reported).
class BatchBuilder {
 public:
  // Throws std::invalid_argument for a bad config, group_size < 1, max_positives outside
  // [1, group_size] or an empty random_passage function.
  BatchBuilder(ObjectiveConfig config, BatchOptions options, RandomPassageFn random_passage);

  // Positives first (infonce: the first listed; rand1lh: one drawn; others: up to
  // max_positives in the annotator's order, the rest truncated and counted), then hard negatives
  // sampled without replacement, then random passages if the query has too few. The same rng
  // and inputs give the same batch.
  Batch build(const std::vector<QueryCandidates>& queries, int64_t epoch, std::mt19937_64& rng);

  const BatchOptions& options() const { return options_; }
  PositiveUsage& usage() { return usage_; }
  const PositiveUsage& usage() const { return usage_; }

 private:
  std::vector<size_t> select_positives(const QueryCandidates& query, int64_t epoch,
                                         std::mt19937_64& rng, bool& truncated) const;
  void fill_negatives(const QueryCandidates& query, std::vector<int64_t>& group,
                      std::mt19937_64& rng) const;

  ObjectiveConfig config_;
  BatchOptions options_;
  RandomPassageFn random_passage_;
  bool truncation_reported_ = false;
  PositiveUsage usage_;
};

// One probe row: the query scored against ALL its positives (no truncation) then the fixed
// negatives (ids equal to one of its positives are skipped). The negatives play the role of
// own hard negatives. Columns follow passage_ids.
Batch make_probe_row(const QueryCandidates& query, const std::vector<int64_t>& fixed_negatives,
                     const std::vector<std::string>& label_source_names);

}  // namespace multipos::objectives
