// An evaluation-only dataset from TREC-style files: a BEIR corpus.jsonl, queries (BEIR
// queries.jsonl or qid<TAB>text), and one TREC 4-column qrels file ("qid iter docid rel", space or
// tab separated). Every judged query lands in one split (test by default); nothing is trained on.
#pragma once

#include <string>

#include "core/data/dataset.hpp"
#include "core/data/load_report.hpp"

namespace multipos::data {

struct TrecFiles {
  std::string corpus;   // BEIR corpus.jsonl ({_id, title, text})
  std::string queries;  // JSON Lines ({_id, text}) when its first character is '{', else TSV
  std::string qrels;    // TREC 4-column
};

struct TrecOptions {
  bool lenient = false;        // skip bad lines (counted in the report) instead of throwing
  std::string split = "test";  // dev or test: where the judged queries go
};

// Queries no qrels line names stay in the dataset, in no split. Judgments with rel > 0 are
// positives labelled "human". Throws DataError naming file, line and field.
Dataset load_trec(const TrecFiles& files, const TrecOptions& options = {}, LoadReport* report = nullptr);

}  // namespace multipos::data
