// Loads MS MARCO passage ranking files from one folder: collection.tsv (pid<TAB>text, or
// pid<TAB>title<TAB>text), queries.<split>.tsv (qid<TAB>text) and qrels.<split>.tsv (TREC 4-column
// "qid 0 pid rel", space or tab separated), streamed line by line. No hard negatives of its own.
#pragma once

#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/data/load_report.hpp"

namespace multipos::data {

struct MsMarcoOptions {
  bool lenient = false;  // skip bad lines (counted in the report) instead of throwing
  // Splits (train, dev, test) whose queries and qrels files must exist; the others are read when
  // present.
  std::vector<std::string> require_splits;
};

// A query joins split S when it is defined in queries.S.tsv and judged in qrels.S.tsv; queries
// nobody judges stay in the dataset but in no split. Judgments with rel > 0 are positives
// (highest first, ties in file order) labelled "human". A qrels line naming a query of another
// split's file, a qrels file without its queries file, a duplicate id (even across files) and a
// pair judged twice are errors. Throws DataError naming file, line and field (pid, qid, text,
// docid, relevance, line).
Dataset load_msmarco(const std::string& directory, const MsMarcoOptions& options = {}, LoadReport* report = nullptr);

}  // namespace multipos::data
