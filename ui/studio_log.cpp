#include "ui/studio_log.hpp"

#include "core/store/run_store.hpp"

namespace multipos::ui {

LogLevel log_level_from_string(const std::string& level) {
  if (level == "error") return LogLevel::error;
  if (level == "warning" || level == "warn") return LogLevel::warning;
  return LogLevel::info;
}

void StudioLog::add(LogLevel level, std::string message, double time) {
  if (level == LogLevel::error) ++error_count_;
  entries_.push_back({time > 0 ? time : store::now_seconds(), level, std::move(message)});
  // Bounded so a chatty worker cannot grow the studio without limit.
  while (entries_.size() > capacity_) entries_.pop_front();
}

}  // namespace multipos::ui
