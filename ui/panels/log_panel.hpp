// The log panel: store connection changes, run failures and worker events, newest at the bottom,
// following the end unless the user scrolled up. UI thread only.
#pragma once

#include "ui/studio_log.hpp"

namespace multipos::ui {

class LogPanel {
 public:
  // Draws into the current window/child, filling the available region.
  void draw(const StudioLog& log);

 private:
  bool errors_only_ = false;
};

}  // namespace multipos::ui
