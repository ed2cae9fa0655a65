// Loads a dataset in BEIR layout: DIR/corpus.jsonl ({_id, title, text}), DIR/queries.jsonl
// ({_id, text}) and DIR/qrels/<split>.tsv (query-id, corpus-id, score; header optional), streamed
// line by line. BEIR has no hard negatives: the trainer fills groups with random passages.
#pragma once

#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/data/load_report.hpp"

namespace multipos::data {

struct BeirOptions {
  bool lenient = false;  // skip bad lines (counted in the report) instead of throwing
  // Splits whose qrels file must exist (e.g. {"train"}); the others are read when present.
  std::vector<std::string> require_splits;
};

// Passage text is "title text"; titles are also kept in Dataset::passage_titles. Judgments with
// score > 0 are positives, highest grade first (ties in file order), labelled "human"; queries
// judged in a qrels file (even with no positive) join that file's split. A query judged in two
// splits is an error. Throws DataError naming file, line and field.
Dataset load_beir(const std::string& directory, const BeirOptions& options = {}, LoadReport* report = nullptr);

}  // namespace multipos::data
