// Internal to core/data: the streaming readers the MS MARCO and TREC loaders share - passages and
// queries from JSON Lines or TSV, TREC 4-column qrels - and the bookkeeping around them (ids to
// indices, who is judged in which split). Every fault is a DataError naming file, line and field.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/data/jsonl_fields.hpp"
#include "core/data/load_report.hpp"

namespace multipos::data::records {

// Ids -> dense indices, remembering where each id was defined so a duplicate can name the first
// place (files by index: a big corpus holds no path copies).
class IdTable {
 public:
  // Adds `id` as the next index; a repeat fails on `field` naming the first definition.
  int32_t add(const std::string& id, const jsonl::Where& where, const char* field);
  int32_t find(const std::string& id) const;  // -1 when unknown
  std::size_t size() const { return lines_.size(); }
  const std::string& file_of(int32_t index) const { return files_[file_index_[static_cast<std::size_t>(index)]]; }

 private:
  std::unordered_map<std::string, int32_t> index_;
  std::vector<std::size_t> lines_;
  std::vector<uint16_t> file_index_;
  std::vector<std::string> files_;
};

// Where the loaders put what they read, and how strict they are.
struct Sink {
  Dataset& dataset;
  LoadReport& report;
  LoadOptions options;
};

// BEIR corpus.jsonl ({_id, title, text}) -> passages ("title text"; titles kept).
void read_jsonl_passages(const std::string& path, Sink& sink, IdTable& passages);
// "id<TAB>text" or "id<TAB>title<TAB>text" per line (MS MARCO collection.tsv, Tevatron corpus.tsv).
void read_tsv_passages(const std::string& path, Sink& sink, IdTable& passages);
// BEIR queries.jsonl ({_id, text}) or "id<TAB>text" lines; `tsv` picks the format.
void read_queries(const std::string& path, bool tsv, Sink& sink, IdTable& queries);
// True when a queries file is JSON Lines (its first non-blank character is '{'), else TSV.
bool looks_like_jsonl(const std::string& path);

// One judgment of a qrels file, already resolved to indices.
struct QrelsEntry {
  int32_t query = 0;
  int32_t passage = 0;
  int grade = 0;
};

// TREC qrels: "query-id iteration doc-id relevance", fields separated by spaces or tabs (the
// iteration column is ignored, as trec_eval does). `accept` may throw DataError to reject a line
// (it is then counted by a lenient load). Fields in errors: qid, docid, relevance, line.
void read_trec_qrels(const std::string& path, Sink& sink, const IdTable& queries, const IdTable& passages,
                     const std::function<void(const QrelsEntry&, const jsonl::Where&)>& accept);

// Collects judgments per split with the rules every loader shares: a query belongs to one split,
// a (query, passage) pair is judged once, grade > 0 makes a positive. finish() orders positives
// (highest grade first, ties in file order) and fills the dataset's split lists.
class Judgments {
 public:
  explicit Judgments(Dataset& dataset);
  void add(int split, const QrelsEntry& entry, const jsonl::Where& where);  // split: 0 train, 1 dev, 2 test
  void finish();
  std::size_t non_positive() const { return non_positive_; }

 private:
  Dataset& dataset_;
  std::vector<int8_t> query_split_;
  std::unordered_map<uint64_t, std::size_t> judged_line_;
  std::size_t non_positive_ = 0;
};

const char* split_name(int split);  // 0 train, 1 dev, 2 test

// Fields of a line split on every tab (empty fields kept).
std::vector<std::string> split_tabs(const std::string& line);
// Fields of a line split on runs of spaces and tabs.
std::vector<std::string> split_whitespace(const std::string& line);
bool parse_int(const std::string& text, int& value);

}  // namespace multipos::data::records
