// Messages the studio shows in its log panel and status bar: store connection changes, run
// failures and the events workers log. No ImGui here. Thread-safety: UI thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace multipos::ui {

enum class LogLevel { info, warning, error };
LogLevel log_level_from_string(const std::string& level);  // unknown text reads as info

struct LogEntry {
  double time = 0;  // unix seconds
  LogLevel level = LogLevel::info;
  std::string message;
};

class StudioLog {
 public:
  explicit StudioLog(std::size_t capacity = 2000) : capacity_(capacity) {}
  void add(LogLevel level, std::string message, double time = 0);  // time 0 = now
  const std::deque<LogEntry>& entries() const { return entries_; }
  std::size_t error_count() const { return error_count_; }

 private:
  std::size_t capacity_;
  std::deque<LogEntry> entries_;
  std::size_t error_count_ = 0;
};

}  // namespace multipos::ui
