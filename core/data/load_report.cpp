#include "core/data/load_report.hpp"

namespace multipos::data {

namespace {

std::string format_error(const std::string& file, std::size_t line, const std::string& field, const std::string& problem) {
  std::string where = line > 0 ? file + ":" + std::to_string(line) : file;
  return where + ": field '" + field + "': " + problem;
}

}  // namespace

DataError::DataError(std::string file, std::size_t line, std::string field, const std::string& problem)
    : std::runtime_error(format_error(file, line, field, problem)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)) {}

void LoadReport::reject(const DataError& error, const LoadOptions& options) {
  if (!options.lenient) throw error;
  ++skipped;
  ++skipped_by_field[error.field()];
  if (skipped_reasons.size() < kMaxReasons) skipped_reasons.push_back(error.what());
}

std::string LoadReport::summary() const {
  if (skipped == 0) return "";
  std::string by_field;
  for (const auto& [field, count] : skipped_by_field)
    by_field += (by_field.empty() ? "" : ", ") + field + ": " + std::to_string(count);
  return "skipped " + std::to_string(skipped) + " of " + std::to_string(lines) + " lines (" + by_field + ")";
}

LineReader::LineReader(std::string path) : path_(std::move(path)), in_(path_, std::ios::binary) {
  if (!in_) throw DataError(path_, 0, "file", "cannot open the file");
}

bool LineReader::next(std::string& line) {
  if (!std::getline(in_, line)) return false;
  ++line_number_;
  if (line_number_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace multipos::data
