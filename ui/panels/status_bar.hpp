// The one-line status bar at the bottom of the studio: database path and connection state on the
// left, run / point counts and time since the last poll on the right. UI thread only.
#pragma once

#include <cstddef>
#include <string>

#include "ui/background/store_poller.hpp"

namespace multipos::ui {

struct StatusBarInfo {
  std::string db_path;
  StoreHealth health;
  std::size_t run_count = 0;
  std::size_t point_count = 0;
  double last_poll = 0;  // unix seconds, 0 = never
};

void draw_status_bar(const StatusBarInfo& info);

}  // namespace multipos::ui
