// Loads Tevatron-style training JSON Lines: one query per line, {query_id, query,
// positive_passages: [{docid, title, text, grade?, label_source?}], negative_passages: [...]}.
// Passages are interned by docid; negatives become the query's hard negatives.
#pragma once

#include <string>

#include "core/data/dataset.hpp"
#include "core/data/load_report.hpp"

namespace multipos::data {

struct TevatronOptions {
  bool lenient = false;  // skip bad lines (counted in the report) instead of throwing
  std::string dev_file;  // optional: same format; its queries form the dev split
};

// Every query of `train_file` is in the train split. Positives are ordered by grade (default 1,
// must be > 0), highest first, ties in file order; label_source defaults to "human". The same
// docid with two different texts is an error naming both places; a negative that is also one of
// the query's positives is dropped. Throws DataError naming file, line and field.
Dataset load_tevatron(const std::string& train_file, const TevatronOptions& options = {}, LoadReport* report = nullptr);

}  // namespace multipos::data
