// Reading and writing the files evaluation exchanges with other tools: TREC run files
// (`qid Q0 docid rank score tag`), TREC qrels (`qid iter docid grade`) and BEIR qrels TSV
// (`query-id<TAB>corpus-id<TAB>score`, header optional). Errors name file, line and field.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/eval/trec_run.hpp"
#include "core/util/file_error.hpp"

namespace multipos::eval {

// A malformed line: "FILE:LINE: field 'NAME': problem" (the parser error shared with core/data).
using ParseError = util::FileError;

struct ReadOptions {
  // Skip malformed lines (and duplicated documents) instead of throwing; they are counted in
  // the ReadReport. A file that cannot be opened still throws (a ParseError on field 'file').
  bool lenient = false;
};

struct ReadReport {
  std::size_t lines = 0;    // lines seen, blank ones and a header included
  std::size_t records = 0;  // lines kept
  std::size_t skipped = 0;  // lines dropped by lenient reading
  std::vector<std::string> skipped_reasons;  // the first kMaxReasons messages, for logs
  static constexpr std::size_t kMaxReasons = 20;
};

// The rank column must be an integer but is otherwise ignored, as trec_eval ignores it.
Run read_trec_run(const std::string& path, const ReadOptions& options = {},
                  ReadReport* report = nullptr);

// Writes each query's documents in trec_eval's order with ranks 1..n. Scores are written with
// the shortest text that reads back to the same double, so re-reading keeps the ranking.
// Throws std::invalid_argument if an id or the tag is empty or holds whitespace.
void write_trec_run(const std::string& path, const Run& run, const std::string& tag);

Qrels read_trec_qrels(const std::string& path, const ReadOptions& options = {},
                      ReadReport* report = nullptr);

Qrels read_beir_qrels(const std::string& path, const ReadOptions& options = {},
                      ReadReport* report = nullptr);

}  // namespace multipos::eval
