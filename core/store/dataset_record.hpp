// What the studio shows of a run's dataset, as stored with the run: the summary figures of the
// dataset the run trained on (label regime and noise applied) and their JSON form. The type lives
// here rather than in core/data because it is a stored record: core/data computes it
// (data::compute_stats), the run store keeps it, and the studio (which never links core/data)
// reads it back. Torch-free and data-free (its own small library, multipos_dataset_record).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace multipos::store {

struct SplitStats {
  std::string name;  // train | dev | test
  std::size_t queries = 0;
  std::size_t queries_with_positives = 0;
  std::size_t positives = 0;
  std::size_t false_positives = 0;  // flagged is_false_positive (planted or injected)
  std::size_t hard_negatives = 0;
  std::size_t min_positives = 0, max_positives = 0;
  double median_positives = 0, mean_positives = 0;
  // Positives per query in buckets 0, 1, 2, 3-4, 5-8, 9-16, 17-32, 33+ (in that order).
  std::vector<std::pair<std::string, std::size_t>> positives_histogram;
  std::map<std::string, std::size_t> grades;         // grade as text ("2", "0.5") -> positives
  std::map<std::string, std::size_t> label_sources;  // source name -> positives
  double mean_query_words = 0;
};

struct DatasetStats {
  std::string name;
  std::size_t passages = 0;
  std::size_t queries = 0;              // all queries, in a split or not
  std::size_t queries_in_no_split = 0;  // e.g. BEIR queries no qrels file judges
  double mean_passage_words = 0;
  std::vector<SplitStats> splits;  // train, dev, test (empty ones included)
  std::vector<std::string> notes;
};

nlohmann::json stats_to_json(const DatasetStats& stats);
// The inverse of stats_to_json; throws std::invalid_argument naming `source` and the field at
// fault when the JSON is not such a record.
DatasetStats stats_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace multipos::store
