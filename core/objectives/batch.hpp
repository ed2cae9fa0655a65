// Batch layout shared by every objective: which passages fill each query's group and which
// columns of the score matrix are a row's positives, own hard negatives and in-batch negatives.
// Torch-free: losses turn a ScoreLayout into mask tensors (masks.hpp), diagnostics read it
// directly.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/objectives/config.hpp"

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
  uint64_t seed = 0;  // mixes into rand1lh's per-query rotation
  std::vector<std::string> label_source_names = {"human", "llm"};
};

// Returns a random passage id; fills groups whose query lacks hard negatives.
using RandomPassageFn = std::function<int64_t(std::mt19937_64&)>;

// 64-bit FNV-1a: stable across platforms and runs, unlike std::hash.
uint64_t fnv1a_64(const std::string& bytes);

// rand1lh rotation: (hash(query_id, seed) + epoch) mod positive_count with
// hash = fnv1a_64(query_id + '\x1f' + decimal seed), so each query cycles through all its
// positives over positive_count consecutive epochs, from a query-dependent starting point.
int64_t rand1_rotation_index(const std::string& query_id, uint64_t seed, int64_t epoch,
                             int64_t positive_count);

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

 private:
  std::vector<Positive> select_positives(const QueryCandidates& query, int64_t epoch,
                                         std::mt19937_64& rng, bool& truncated) const;
  void fill_negatives(const QueryCandidates& query, std::vector<int64_t>& group,
                      std::mt19937_64& rng) const;

  ObjectiveConfig config_;
  BatchOptions options_;
  RandomPassageFn random_passage_;
  bool truncation_reported_ = false;
};

// One probe row: the query scored against ALL its positives (no truncation) then the fixed
// negatives (ids equal to one of its positives are skipped). The negatives play the role of
// own hard negatives. Columns follow passage_ids.
Batch make_probe_row(const QueryCandidates& query, const std::vector<int64_t>& fixed_negatives,
                     const std::vector<std::string>& label_source_names);

}  // namespace multipos::objectives
