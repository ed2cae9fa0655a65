// The dataset model shared by loaders, regimes, the trainer and evaluation: one corpus, queries
// with graded judgments that remember who labelled them (and whether a label is known to be wrong),
// hard negatives per query, and train / dev / test splits of the queries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace multipos::data {

struct Judgment {
  int32_t passage = 0;          // index into Dataset::passage_ids
  float grade = 1;              // graded relevance (> 0 is a positive)
  int16_t label_source = 0;     // index into Dataset::label_sources
  bool is_false_positive = false;  // known only for planted or injected noise
};

struct Dataset {
  std::string name;
  std::vector<std::string> label_sources;  // e.g. {"human", "llm"}

  std::vector<std::string> passage_ids;
  std::vector<std::string> passage_texts;
  std::vector<std::string> query_ids;
  std::vector<std::string> query_texts;
  // Per query: its positives ordered as the annotator ranks them (highest grade first).
  std::vector<std::vector<Judgment>> judgments;
  // Per query: passages known to be plausible but not relevant.
  std::vector<std::vector<int32_t>> hard_negatives;

  std::vector<int32_t> train_queries, dev_queries, test_queries;

  // Optional: passage titles where the source has them (BEIR, Tevatron, WordNet lemmas); either
  // empty or one per passage. passage_texts already start with the title, so encoders need not.
  std::vector<std::string> passage_titles;
  // What loading and label regimes did that whoever reads a run should know (lenient skips,
  // positives dropped or injected), for logs and `multipos data stats`.
  std::vector<std::string> notes;

  int16_t intern_label_source(const std::string& source_name);  // its index, appended if new

  size_t num_passages() const { return passage_ids.size(); }
  size_t num_queries() const { return query_ids.size(); }
  const std::vector<int32_t>& split(const std::string& name) const;  // train | dev | test
};

}  // namespace multipos::data
