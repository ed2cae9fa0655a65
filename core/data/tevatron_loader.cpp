#include "core/data/tevatron_loader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "core/data/jsonl_fields.hpp"

namespace multipos::data {

namespace {

struct ParsedPassage {
  std::string docid, title, text, label_source, field;  // field: e.g. "positive_passages[1]"
  float grade = 1;
};

struct ParsedLine {
  std::string query_id, query;
  std::vector<ParsedPassage> positives, negatives;
};

// Where a query or passage was first seen; files by index so a big corpus holds no path copies.
struct Place {
  std::size_t file = 0;
  std::size_t line = 0;
};

class TevatronReader {
 public:
  TevatronReader(const TevatronOptions& options, LoadReport& report) : options_(options), report_(report) {}

  Dataset read(const std::string& train_file) {
    dataset_.name = "tevatron:" + std::filesystem::path(train_file).filename().string();
    dataset_.label_sources = {"human"};
    read_file(train_file, dataset_.train_queries);
    if (dataset_.train_queries.empty()) throw DataError(train_file, 0, "file", "no training queries");
    if (!options_.dev_file.empty()) read_file(options_.dev_file, dataset_.dev_queries);
    if (report_.skipped > 0) dataset_.notes.push_back("lenient load: " + report_.summary());
    return std::move(dataset_);
  }

 private:
  void read_file(const std::string& path, std::vector<int32_t>& split) {
    LineReader reader(path);
    files_.push_back(path);
    std::string line;
    while (reader.next(line)) {
      ++report_.lines;
      if (is_blank(line)) continue;
      jsonl::Where where{path, reader.line_number()};
      try {
        // Parse and check the whole line before touching the dataset, so a lenient skip leaves
        // no half-added query or passage behind.
        ParsedLine parsed = parse(line, where);
        check_passages(parsed, where);
        commit(parsed, where, split);
        ++report_.records;
      } catch (const DataError& error) {
        report_.reject(error, {options_.lenient});
      }
    }
  }

  static ParsedLine parse(const std::string& line, const jsonl::Where& where) {
    auto record = jsonl::parse_object(line, where);
    ParsedLine parsed;
    parsed.query_id = jsonl::id_field(record, "query_id", "query_id", where);
    parsed.query = jsonl::text_field(record, "query", "query", true, where);
    if (is_blank(parsed.query)) where.fail("query", "empty text for query '" + parsed.query_id + "'");
    parsed.positives = parse_passages(record, "positive_passages", true, where);
    if (parsed.positives.empty()) where.fail("positive_passages", "no positives for query '" + parsed.query_id + "'");
    parsed.negatives = parse_passages(record, "negative_passages", false, where);
    return parsed;
  }

  static std::vector<ParsedPassage> parse_passages(const nlohmann::json& record, const char* key, bool required,
                                                   const jsonl::Where& where) {
    std::vector<ParsedPassage> passages;
    auto found = record.find(key);
    if (found == record.end() || found->is_null()) {
      if (required) where.fail(key, "missing");
      return passages;
    }
    if (!found->is_array()) where.fail(key, "expected an array, got " + jsonl::show(*found));
    for (std::size_t i = 0; i < found->size(); ++i) {
      const auto& item = (*found)[i];
      ParsedPassage passage;
      passage.field = std::string(key) + "[" + std::to_string(i) + "]";
      if (!item.is_object()) where.fail(passage.field, "expected an object, got " + jsonl::show(item));
      passage.docid = jsonl::id_field(item, "docid", passage.field + ".docid", where);
      passage.title = jsonl::text_field(item, "title", passage.field + ".title", false, where);
      passage.text = jsonl::title_and_text(passage.title, jsonl::text_field(item, "text", passage.field + ".text", false, where));
      if (is_blank(passage.text)) where.fail(passage.field + ".text", "empty text (and title) for docid '" + passage.docid + "'");
      passage.label_source = jsonl::text_field(item, "label_source", passage.field + ".label_source", false, where);
      if (passage.label_source.empty()) passage.label_source = "human";
      auto grade = item.find("grade");
      if (grade != item.end() && !grade->is_null()) {
        if (!grade->is_number() || !(std::fabs(grade->get<double>()) <= 1e6))
          where.fail(passage.field + ".grade", "expected a number in [-1e6, 1e6], got " + jsonl::show(*grade));
        passage.grade = grade->get<float>();
        if (required && !(passage.grade > 0)) where.fail(passage.field + ".grade", "a positive needs a grade > 0");
      }
      passages.push_back(std::move(passage));
    }
    return passages;
  }

  // The same docid must always carry the same text, in earlier lines and within this one.
  void check_passages(const ParsedLine& parsed, const jsonl::Where& where) const {
    if (query_place_.count(parsed.query_id)) {
      const Place& first = query_place_.at(parsed.query_id);
      where.fail("query_id", "duplicate query '" + parsed.query_id + "' (first at " + show(first) + ")");
    }
    std::unordered_map<std::string, const ParsedPassage*> in_line;
    for (const auto* list : {&parsed.positives, &parsed.negatives})
      for (const auto& passage : *list) {
        auto known = passage_index_.find(passage.docid);
        if (known != passage_index_.end() && dataset_.passage_texts[static_cast<std::size_t>(known->second)] != passage.text) {
          const Place& first = passage_place_[static_cast<std::size_t>(known->second)];
          where.fail(passage.field + ".text", "docid '" + passage.docid + "' has a different text than at " + show(first));
        }
        auto [other, inserted] = in_line.emplace(passage.docid, &passage);
        if (!inserted && other->second->text != passage.text)
          where.fail(passage.field + ".text", "docid '" + passage.docid + "' has a different text than " + other->second->field +
                                                  " on the same line");
      }
  }

  int32_t intern(const ParsedPassage& passage, const jsonl::Where& where) {
    auto [it, inserted] = passage_index_.emplace(passage.docid, static_cast<int32_t>(dataset_.passage_ids.size()));
    if (inserted) {
      dataset_.passage_ids.push_back(passage.docid);
      dataset_.passage_titles.push_back(passage.title);
      dataset_.passage_texts.push_back(passage.text);
      passage_place_.push_back({files_.size() - 1, where.line});
    }
    return it->second;
  }

  void commit(const ParsedLine& parsed, const jsonl::Where& where, std::vector<int32_t>& split) {
    const auto query = static_cast<int32_t>(dataset_.query_ids.size());
    query_place_[parsed.query_id] = {files_.size() - 1, where.line};
    dataset_.query_ids.push_back(parsed.query_id);
    dataset_.query_texts.push_back(parsed.query);
    std::vector<Judgment> judged;
    std::unordered_set<int32_t> positives;
    for (const auto& passage : parsed.positives) {
      int32_t index = intern(passage, where);
      if (positives.insert(index).second)
        judged.push_back({index, passage.grade, dataset_.intern_label_source(passage.label_source), false});
    }
    std::stable_sort(judged.begin(), judged.end(), [](const Judgment& a, const Judgment& b) { return a.grade > b.grade; });
    std::vector<int32_t> negatives;
    std::unordered_set<int32_t> seen = positives;
    for (const auto& passage : parsed.negatives) {
      int32_t index = intern(passage, where);
      if (seen.insert(index).second) negatives.push_back(index);
    }
    dataset_.judgments.push_back(std::move(judged));
    dataset_.hard_negatives.push_back(std::move(negatives));
    split.push_back(query);
  }

  std::string show(const Place& place) const { return files_[place.file] + ":" + std::to_string(place.line); }

  const TevatronOptions& options_;
  LoadReport& report_;
  std::vector<std::string> files_;
  Dataset dataset_;
  std::unordered_map<std::string, int32_t> passage_index_;
  std::vector<Place> passage_place_;
  std::unordered_map<std::string, Place> query_place_;
};

}  // namespace

Dataset load_tevatron(const std::string& train_file, const TevatronOptions& options, LoadReport* report) {
  LoadReport local;
  TevatronReader reader(options, report ? *report : local);
  return reader.read(train_file);
}

}  // namespace multipos::data
