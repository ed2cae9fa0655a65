#include "core/data/load_report.hpp"

#include <filesystem>

namespace multipos::data {

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

namespace {

LoadProgress g_progress;
double g_progress_interval = 1.0;

}  // namespace

void set_load_progress(LoadProgress callback, double min_interval_seconds) {
  g_progress = std::move(callback);
  g_progress_interval = min_interval_seconds;
}

LineReader::LineReader(std::string path) : path_(std::move(path)), in_(path_, std::ios::binary) {
  if (!in_) throw DataError(path_, 0, "file", "cannot open the file");
  std::error_code ignored;
  total_bytes_ = static_cast<std::uint64_t>(std::filesystem::file_size(path_, ignored));
}

void LineReader::report_progress(bool at_end) {
  if (!g_progress || (at_end && !reported_)) return;
  auto now = std::chrono::steady_clock::now();
  if (!at_end && std::chrono::duration<double>(now - last_report_).count() < g_progress_interval) return;
  last_report_ = now;
  reported_ = true;
  g_progress(path_, at_end ? total_bytes_ : bytes_read_, total_bytes_);
}

bool LineReader::next(std::string& line) {
  if (!std::getline(in_, line)) {
    report_progress(true);
    return false;
  }
  ++line_number_;
  bytes_read_ += line.size() + 1;
  if (g_progress && line_number_ % 1024 == 0) report_progress(false);
  if (line_number_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace multipos::data
