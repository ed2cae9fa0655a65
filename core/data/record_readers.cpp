#include "core/data/record_readers.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace multipos::data::records {

int32_t IdTable::add(const std::string& id, const jsonl::Where& where, const char* field) {
  if (lines_.size() >= static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
    where.fail(field, "too many ids (at most 2^31 - 1)");
  auto [it, inserted] = index_.emplace(id, static_cast<int32_t>(lines_.size()));
  if (!inserted) {
    const auto first = static_cast<std::size_t>(it->second);
    const std::string& first_file = files_[file_index_[first]];
    where.fail(field, "duplicate id '" + id + "' (first defined at " + (first_file == where.file ? "line " : first_file + ":") +
                          std::to_string(lines_[first]) + ")");
  }
  if (files_.empty() || files_.back() != where.file) {
    if (files_.size() >= std::numeric_limits<uint16_t>::max()) where.fail(field, "ids from too many files");
    files_.push_back(where.file);
  }
  lines_.push_back(where.line);
  file_index_.push_back(static_cast<uint16_t>(files_.size() - 1));
  return it->second;
}

int32_t IdTable::find(const std::string& id) const {
  auto found = index_.find(id);
  return found == index_.end() ? -1 : found->second;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

std::vector<std::string> split_whitespace(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = line.find_first_not_of(" \t");
  while (start != std::string::npos) {
    std::size_t end = line.find_first_of(" \t", start);
    fields.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    start = end == std::string::npos ? end : line.find_first_not_of(" \t", end);
  }
  return fields;
}

bool parse_int(const std::string& text, int& value) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  auto [end, error] = std::from_chars(first, last, value);
  return error == std::errc() && end == last && first != last;
}

const char* split_name(int split) {
  static const char* const kNames[] = {"train", "dev", "test"};
  return kNames[split];
}

namespace {

// Runs `parse_line` over every non-blank line of `path`; its DataErrors are rejected through
// the report (thrown when strict, counted when lenient).
template <typename ParseLine>
void for_each_record(const std::string& path, Sink& sink, ParseLine parse_line) {
  LineReader reader(path);
  std::string line;
  while (reader.next(line)) {
    ++sink.report.lines;
    if (is_blank(line)) continue;
    jsonl::Where where{path, reader.line_number()};
    try {
      parse_line(line, where);
      ++sink.report.records;
    } catch (const DataError& error) {
      sink.report.reject(error, sink.options);
    }
  }
}

void add_passage(Sink& sink, IdTable& passages, std::string id, std::string title, std::string text,
                 const jsonl::Where& where, const char* id_field) {
  if (is_blank(text)) where.fail("text", "empty text (and title) for passage '" + id + "'");
  passages.add(id, where, id_field);
  sink.dataset.passage_ids.push_back(std::move(id));
  sink.dataset.passage_titles.push_back(std::move(title));
  sink.dataset.passage_texts.push_back(std::move(text));
}

void require_some(const std::string& path, std::size_t count, const char* what) {
  if (count == 0) throw DataError(path, 0, "file", std::string("no ") + what);
}

}  // namespace

void read_jsonl_passages(const std::string& path, Sink& sink, IdTable& passages) {
  const std::size_t before = passages.size();
  for_each_record(path, sink, [&](const std::string& line, const jsonl::Where& where) {
    auto record = jsonl::parse_object(line, where);
    std::string id = jsonl::id_field(record, "_id", "_id", where);
    std::string title = jsonl::text_field(record, "title", "title", false, where);
    std::string text = jsonl::title_and_text(title, jsonl::text_field(record, "text", "text", false, where));
    add_passage(sink, passages, std::move(id), std::move(title), std::move(text), where, "_id");
  });
  require_some(path, passages.size() - before, "passages");
}

void read_tsv_passages(const std::string& path, Sink& sink, IdTable& passages) {
  const std::size_t before = passages.size();
  for_each_record(path, sink, [&](const std::string& line, const jsonl::Where& where) {
    std::vector<std::string> fields = split_tabs(line);
    if (fields.size() != 2 && fields.size() != 3)
      where.fail("line", "expected 2 tab-separated fields (pid, text) or 3 (pid, title, text), got " + std::to_string(fields.size()));
    if (fields[0].empty()) where.fail("pid", "empty id");
    std::string title = fields.size() == 3 ? std::move(fields[1]) : std::string();
    std::string text = jsonl::title_and_text(title, fields.back());
    add_passage(sink, passages, std::move(fields[0]), std::move(title), std::move(text), where, "pid");
  });
  require_some(path, passages.size() - before, "passages");
}

void read_queries(const std::string& path, bool tsv, Sink& sink, IdTable& queries) {
  for_each_record(path, sink, [&](const std::string& line, const jsonl::Where& where) {
    std::string id, text;
    const char* id_field = tsv ? "qid" : "_id";
    if (tsv) {
      std::vector<std::string> fields = split_tabs(line);
      if (fields.size() != 2) where.fail("line", "expected 2 tab-separated fields (qid, text), got " + std::to_string(fields.size()));
      id = std::move(fields[0]);
      text = std::move(fields[1]);
      if (id.empty()) where.fail("qid", "empty id");
    } else {
      auto record = jsonl::parse_object(line, where);
      id = jsonl::id_field(record, "_id", "_id", where);
      text = jsonl::text_field(record, "text", "text", true, where);
    }
    if (is_blank(text)) where.fail("text", "empty text for query '" + id + "'");
    queries.add(id, where, id_field);
    sink.dataset.query_ids.push_back(std::move(id));
    sink.dataset.query_texts.push_back(std::move(text));
  });
}

bool looks_like_jsonl(const std::string& path) {
  LineReader reader(path);
  std::string line;
  while (reader.next(line)) {
    const std::size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos) return line[first] == '{';
  }
  return false;
}

void read_trec_qrels(const std::string& path, Sink& sink, const IdTable& queries, const IdTable& passages,
                     const std::function<void(const QrelsEntry&, const jsonl::Where&)>& accept) {
  for_each_record(path, sink, [&](const std::string& line, const jsonl::Where& where) {
    const std::vector<std::string> fields = split_whitespace(line);
    if (fields.size() != 4)
      where.fail("line", "expected 4 fields (query-id, iteration, doc-id, relevance) separated by spaces or tabs, got " +
                             std::to_string(fields.size()));
    QrelsEntry entry;
    entry.query = queries.find(fields[0]);
    if (entry.query < 0) where.fail("qid", "unknown query '" + fields[0] + "'");
    entry.passage = passages.find(fields[2]);
    if (entry.passage < 0) where.fail("docid", "unknown document '" + fields[2] + "' (not in the corpus)");
    if (!parse_int(fields[3], entry.grade)) where.fail("relevance", "expected an integer, got '" + fields[3] + "'");
    accept(entry, where);
  });
}

Judgments::Judgments(Dataset& dataset) : dataset_(dataset) {
  dataset_.judgments.resize(dataset_.num_queries());
  dataset_.hard_negatives.resize(dataset_.num_queries());
  query_split_.assign(dataset_.num_queries(), -1);
}

void Judgments::add(int split, const QrelsEntry& entry, const jsonl::Where& where) {
  const auto q = static_cast<std::size_t>(entry.query);
  int8_t& assigned = query_split_[q];
  if (assigned >= 0 && assigned != split)
    where.fail("qid", "query '" + dataset_.query_ids[q] + "' is already judged in split '" + split_name(assigned) +
                          "'; a query belongs to one split");
  const uint64_t key = (static_cast<uint64_t>(entry.query) << 32) | static_cast<uint32_t>(entry.passage);
  auto [seen, inserted] = judged_line_.emplace(key, where.line);
  if (!inserted)
    where.fail("docid", "document '" + dataset_.passage_ids[static_cast<std::size_t>(entry.passage)] +
                            "' is judged twice for query '" + dataset_.query_ids[q] + "' (first at line " +
                            std::to_string(seen->second) + ")");
  assigned = static_cast<int8_t>(split);
  if (entry.grade > 0)
    dataset_.judgments[q].push_back({entry.passage, static_cast<float>(entry.grade), 0, false});
  else
    ++non_positive_;
}

void Judgments::finish() {
  for (std::size_t q = 0; q < dataset_.num_queries(); ++q) {
    auto& judged = dataset_.judgments[q];
    std::stable_sort(judged.begin(), judged.end(), [](const Judgment& a, const Judgment& b) { return a.grade > b.grade; });
    const int split = query_split_[q];
    if (split == 0) dataset_.train_queries.push_back(static_cast<int32_t>(q));
    if (split == 1) dataset_.dev_queries.push_back(static_cast<int32_t>(q));
    if (split == 2) dataset_.test_queries.push_back(static_cast<int32_t>(q));
  }
}

}  // namespace multipos::data::records
