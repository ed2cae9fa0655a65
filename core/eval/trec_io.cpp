#include "core/eval/trec_io.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <unordered_map>

namespace multipos::eval {

namespace {

using Fields = std::vector<std::string>;
// Returns false for a line that holds no record (a header).
using LineHandler = std::function<bool(const Fields& fields, std::size_t line_number)>;

Fields split_on_whitespace(const std::string& line) {
  Fields fields;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t start = line.find_first_not_of(" \t\r", pos);
    if (start == std::string::npos) break;
    const std::size_t end = std::min(line.find_first_of(" \t\r", start), line.size());
    fields.push_back(line.substr(start, end - start));
    pos = end;
  }
  return fields;
}

// BEIR files are tab-separated; splitting on tabs only keeps ids that hold spaces intact.
Fields split_on_tabs(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  Fields fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return fields;
}

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Runs `handler` on every non-blank line; in lenient mode a ParseError skips the line.
void for_each_line(const std::string& path, const ReadOptions& options, ReadReport& report,
                   const std::function<Fields(const std::string&)>& split,
                   const LineHandler& handler) {
  std::ifstream in(path);
  if (!in) throw ParseError(path, 0, "file", "cannot open the file");
  std::string line;
  while (std::getline(in, line)) {
    ++report.lines;
    if (is_blank(line)) continue;
    try {
      if (handler(split(line), report.lines)) ++report.records;
    } catch (const ParseError& error) {
      if (!options.lenient) throw;
      ++report.skipped;
      if (report.skipped_reasons.size() < ReadReport::kMaxReasons) {
        report.skipped_reasons.emplace_back(error.what());
      }
    }
  }
  if (in.bad()) throw ParseError(path, 0, "file", "read error");
}

void expect_columns(const Fields& fields, std::size_t expected, const std::string& path,
                    std::size_t line_number) {
  if (fields.size() == expected) return;
  throw ParseError(path, line_number, "columns",
                   "expected " + std::to_string(expected) + " columns, found " +
                       std::to_string(fields.size()));
}

long parse_integer(const std::string& text, const std::string& path, std::size_t line_number,
                   const std::string& field) {
  long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw ParseError(path, line_number, field, "expected an integer, got '" + text + "'");
  }
  return value;
}

double parse_score(const std::string& text, const std::string& path, std::size_t line_number) {
  // strtod, unlike from_chars, accepts the "+1.5" and "1e-3" forms other tools write.
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || text.empty() || !std::isfinite(value)) {
    throw ParseError(path, line_number, "score", "expected a finite number, got '" + text + "'");
  }
  return value;
}

void add_judgment(Qrels& qrels, const std::string& query_id, const std::string& doc_id, int grade,
                  const std::string& path, std::size_t line_number,
                  const std::string& doc_field) {
  if (!qrels[query_id].emplace(doc_id, grade).second) {
    throw ParseError(path, line_number, doc_field,
                     "document '" + doc_id + "' judged twice for query '" + query_id + "'");
  }
}

int parse_grade(const std::string& text, const std::string& path, std::size_t line_number,
                const std::string& field) {
  const long grade = parse_integer(text, path, line_number, field);
  if (grade < -1000000 || grade > 1000000) {
    throw ParseError(path, line_number, field, "grade out of range: '" + text + "'");
  }
  return static_cast<int>(grade);
}

void check_token(const std::string& token, const std::string& what) {
  if (token.empty() || token.find_first_of(" \t\r\n") != std::string::npos) {
    throw std::invalid_argument("write_trec_run: " + what + " '" + token +
                                "' is empty or holds whitespace");
  }
}

std::string format_score(double score) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, score);
  if (error != std::errc()) throw std::logic_error("write_trec_run: cannot format a score");
  return std::string(buffer, end);
}

}  // namespace

Run read_trec_run(const std::string& path, const ReadOptions& options, ReadReport* report) {
  ReadReport local_report;
  Run run;
  // query -> doc -> line of first sight, so a duplicate names both lines.
  std::unordered_map<std::string, std::unordered_map<std::string, std::size_t>> seen;
  for_each_line(path, options, report ? *report : local_report, split_on_whitespace,
                [&](const Fields& fields, std::size_t line_number) {
                  expect_columns(fields, 6, path, line_number);
                  parse_integer(fields[3], path, line_number, "rank");
                  const double score = parse_score(fields[4], path, line_number);
                  const auto [first, inserted] = seen[fields[0]].emplace(fields[2], line_number);
                  if (!inserted) {
                    throw ParseError(path, line_number, "docid",
                                     "document '" + fields[2] + "' repeated for query '" +
                                         fields[0] + "' (first at line " +
                                         std::to_string(first->second) + ")");
                  }
                  run[fields[0]].push_back(RunEntry{fields[2], score});
                  return true;
                });
  return run;
}

void write_trec_run(const std::string& path, const Run& run, const std::string& tag) {
  check_token(tag, "tag");
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path + ": cannot open for writing");
  for (const auto& [query_id, entries] : run) {
    check_token(query_id, "query id");
    std::vector<RunEntry> ranked = entries;
    sort_trec_order(ranked);
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      check_token(ranked[i].doc_id, "document id");
      out << query_id << " Q0 " << ranked[i].doc_id << ' ' << (i + 1) << ' '
          << format_score(ranked[i].score) << ' ' << tag << '\n';
    }
  }
  out.flush();
  if (!out) throw std::runtime_error(path + ": write error");
}

Qrels read_trec_qrels(const std::string& path, const ReadOptions& options, ReadReport* report) {
  ReadReport local_report;
  Qrels qrels;
  for_each_line(path, options, report ? *report : local_report, split_on_whitespace,
                [&](const Fields& fields, std::size_t line_number) {
                  expect_columns(fields, 4, path, line_number);
                  const int grade = parse_grade(fields[3], path, line_number, "grade");
                  add_judgment(qrels, fields[0], fields[2], grade, path, line_number, "docid");
                  return true;
                });
  return qrels;
}

Qrels read_beir_qrels(const std::string& path, const ReadOptions& options, ReadReport* report) {
  ReadReport local_report;
  Qrels qrels;
  for_each_line(path, options, report ? *report : local_report, split_on_tabs,
                [&](const Fields& fields, std::size_t line_number) {
                  expect_columns(fields, 3, path, line_number);
                  // The header is optional; recognise it only on the first line.
                  if (line_number == 1 && fields[0] == "query-id") return false;
                  if (fields[0].empty()) throw ParseError(path, line_number, "query-id", "empty");
                  if (fields[1].empty()) throw ParseError(path, line_number, "corpus-id", "empty");
                  const int grade = parse_grade(fields[2], path, line_number, "score");
                  add_judgment(qrels, fields[0], fields[1], grade, path, line_number, "corpus-id");
                  return true;
                });
  return qrels;
}

}  // namespace multipos::eval
