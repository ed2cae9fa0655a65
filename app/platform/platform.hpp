// The small interface between the studio and whatever runs its ImGui frame loop: a GLFW window
// with OpenGL3 (glfw_platform.hpp) or the headless null platform used by tests (null_platform.hpp).
// A platform owns the ImGui context for its whole lifetime. UI thread only.
#pragma once

#include <stdexcept>
#include <string>

namespace multipos::app {

// Raised when a platform cannot start (no display, no OpenGL context, ...); the message says why
// and what to do.
class PlatformError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Platform {
 public:
  virtual ~Platform() = default;

  // Display scale of the monitor (1 on a 96-dpi screen): fonts and style sizes are multiplied by it.
  virtual float content_scale() const = 0;
  // Handles input and starts an ImGui frame; false when the user asked to close the window.
  virtual bool begin_frame() = 0;
  // Ends the ImGui frame and draws it (not yet shown).
  virtual void end_frame() = 0;
  // Shows the frame drawn by end_frame().
  virtual void present() = 0;
  // Writes the frame drawn by end_frame() as a PNG; false with `error` set when impossible.
  virtual bool save_screenshot(const std::string& png_path, std::string& error) = 0;
};

}  // namespace multipos::app
