#include "core/data/beir_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "core/data/jsonl_fields.hpp"
#include "core/data/record_readers.hpp"

namespace multipos::data {

namespace {

const char* const kSplits[] = {"train", "dev", "test"};

// Ids -> index, remembering the line each id was defined on so a duplicate can name both.
struct Interned {
  std::unordered_map<std::string, int32_t> index;
  std::vector<std::size_t> line;
};

// Field splitting and integer parsing are shared with the other loaders.
using records::parse_int;
using records::split_tabs;

class BeirReader {
 public:
  BeirReader(std::string directory, const BeirOptions& options, LoadReport& report)
      : directory_(std::move(directory)), options_(options), report_(report) {}

  Dataset read() {
    dataset_.name = "beir:" + std::filesystem::path(directory_).filename().string();
    if (dataset_.name == "beir:") dataset_.name = "beir:" + std::filesystem::path(directory_).parent_path().filename().string();
    dataset_.label_sources = {"human"};
    read_corpus(directory_ + "/corpus.jsonl");
    read_queries(directory_ + "/queries.jsonl");
    dataset_.judgments.resize(dataset_.num_queries());
    dataset_.hard_negatives.resize(dataset_.num_queries());
    query_split_.assign(dataset_.num_queries(), -1);
    for (int split = 0; split < 3; ++split) read_split(split);
    finish();
    return std::move(dataset_);
  }

 private:
  void read_corpus(const std::string& path) {
    LineReader reader(path);
    std::string line;
    while (reader.next(line)) {
      ++report_.lines;
      if (is_blank(line)) continue;
      jsonl::Where where{path, reader.line_number()};
      try {
        auto record = jsonl::parse_object(line, where);
        std::string id = jsonl::id_field(record, "_id", "_id", where);
        std::string title = jsonl::text_field(record, "title", "title", false, where);
        std::string text = jsonl::title_and_text(title, jsonl::text_field(record, "text", "text", false, where));
        if (is_blank(text)) where.fail("text", "empty text (and title) for passage '" + id + "'");
        intern(passages_, id, where);
        dataset_.passage_ids.push_back(std::move(id));
        dataset_.passage_titles.push_back(std::move(title));
        dataset_.passage_texts.push_back(std::move(text));
        ++report_.records;
      } catch (const DataError& error) {
        report_.reject(error, {options_.lenient});
      }
    }
    if (dataset_.passage_ids.empty()) throw DataError(path, 0, "file", "no passages");
  }

  void read_queries(const std::string& path) {
    LineReader reader(path);
    std::string line;
    while (reader.next(line)) {
      ++report_.lines;
      if (is_blank(line)) continue;
      jsonl::Where where{path, reader.line_number()};
      try {
        auto record = jsonl::parse_object(line, where);
        std::string id = jsonl::id_field(record, "_id", "_id", where);
        std::string text = jsonl::text_field(record, "text", "text", true, where);
        if (is_blank(text)) where.fail("text", "empty text for query '" + id + "'");
        intern(queries_, id, where);
        dataset_.query_ids.push_back(std::move(id));
        dataset_.query_texts.push_back(std::move(text));
        ++report_.records;
      } catch (const DataError& error) {
        report_.reject(error, {options_.lenient});
      }
    }
  }

  // Adds `id` to `interned` as the next index; a repeat names the first line.
  void intern(Interned& interned, const std::string& id, const jsonl::Where& where) {
    auto [it, inserted] = interned.index.emplace(id, static_cast<int32_t>(interned.line.size()));
    if (!inserted)
      where.fail("_id", "duplicate id '" + id + "' (first defined at line " +
                            std::to_string(interned.line[static_cast<std::size_t>(it->second)]) + ")");
    interned.line.push_back(where.line);
  }

  void read_split(int split) {
    const std::string name = kSplits[split];
    const std::string path = directory_ + "/qrels/" + name + ".tsv";
    const bool required = std::count(options_.require_splits.begin(), options_.require_splits.end(), name) > 0;
    if (!std::filesystem::exists(path)) {
      if (required) throw DataError(path, 0, "split", "split '" + name + "' was asked for but its qrels file does not exist");
      return;
    }
    LineReader reader(path);
    std::string line;
    bool first = true;
    while (reader.next(line)) {
      ++report_.lines;
      if (is_blank(line)) continue;
      auto fields = split_tabs(line);
      // The header is optional; BEIR writes "query-id<TAB>corpus-id<TAB>score".
      if (first && fields.size() == 3 && (fields[0] == "query-id" || fields[2] == "score")) {
        first = false;
        continue;
      }
      first = false;
      try {
        add_judgment(split, fields, jsonl::Where{path, reader.line_number()});
        ++report_.records;
      } catch (const DataError& error) {
        report_.reject(error, {options_.lenient});
      }
    }
    if (!std::count(found_splits_.begin(), found_splits_.end(), name)) found_splits_.push_back(name);
  }

  void add_judgment(int split, const std::vector<std::string>& fields, const jsonl::Where& where) {
    if (fields.size() != 3)
      where.fail("line", "expected 3 tab-separated fields (query-id, corpus-id, score), got " + std::to_string(fields.size()));
    auto query = queries_.index.find(fields[0]);
    if (query == queries_.index.end()) where.fail("query-id", "unknown query '" + fields[0] + "' (not in queries.jsonl)");
    auto passage = passages_.index.find(fields[1]);
    if (passage == passages_.index.end()) where.fail("corpus-id", "unknown document '" + fields[1] + "' (not in corpus.jsonl)");
    int score = 0;
    if (!parse_int(fields[2], score)) where.fail("score", "expected an integer, got '" + fields[2] + "'");
    const int32_t q = query->second;
    int& assigned = query_split_[static_cast<std::size_t>(q)];
    if (assigned >= 0 && assigned != split)
      where.fail("query-id", "query '" + fields[0] + "' is already judged in split '" + kSplits[assigned] +
                                 "'; a query belongs to one split");
    const uint64_t key = (static_cast<uint64_t>(q) << 32) | static_cast<uint32_t>(passage->second);
    auto [seen, inserted] = judged_line_.emplace(key, where.line);
    if (!inserted)
      where.fail("corpus-id", "document '" + fields[1] + "' is judged twice for query '" + fields[0] +
                                  "' (first at line " + std::to_string(seen->second) + ")");
    assigned = split;
    if (score > 0)
      dataset_.judgments[static_cast<std::size_t>(q)].push_back({passage->second, static_cast<float>(score), 0, false});
    else
      ++non_positive_;
  }

  void finish() {
    for (std::size_t q = 0; q < dataset_.num_queries(); ++q) {
      auto& judged = dataset_.judgments[q];
      std::stable_sort(judged.begin(), judged.end(), [](const Judgment& a, const Judgment& b) { return a.grade > b.grade; });
      const int split = query_split_[q];
      if (split == 0) dataset_.train_queries.push_back(static_cast<int32_t>(q));
      if (split == 1) dataset_.dev_queries.push_back(static_cast<int32_t>(q));
      if (split == 2) dataset_.test_queries.push_back(static_cast<int32_t>(q));
    }
    if (found_splits_.empty()) throw DataError(directory_ + "/qrels", 0, "split", "no qrels file (train.tsv, dev.tsv or test.tsv)");
    std::string splits;
    for (const auto& name : found_splits_) splits += (splits.empty() ? "" : ", ") + name;
    dataset_.notes.push_back("BEIR splits read: " + splits + "; " + std::to_string(non_positive_) +
                             " judgments with score <= 0 are not positives");
    dataset_.notes.push_back("BEIR has no hard negatives: training groups are filled with random passages");
    if (report_.skipped > 0) dataset_.notes.push_back("lenient load: " + report_.summary());
  }

  std::string directory_;
  const BeirOptions& options_;
  LoadReport& report_;
  Dataset dataset_;
  Interned passages_, queries_;
  std::vector<int> query_split_;
  std::unordered_map<uint64_t, std::size_t> judged_line_;
  std::vector<std::string> found_splits_;
  std::size_t non_positive_ = 0;
};

}  // namespace

Dataset load_beir(const std::string& directory, const BeirOptions& options, LoadReport* report) {
  LoadReport local;
  BeirReader reader(directory, options, report ? *report : local);
  return reader.read();
}

}  // namespace multipos::data
