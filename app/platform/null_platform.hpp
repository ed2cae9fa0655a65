// Headless platform: runs the ImGui frame loop with no window and no GPU (display size set by
// hand, font atlas built in memory, draw data discarded) so panels can be driven in tests and CI,
// like Dear ImGui's own "null" example. Tests feed input through ImGui::GetIO() before begin_frame.
#pragma once

#include "app/platform/platform.hpp"

struct ImGuiContext;

namespace multipos::app {

class NullPlatform : public Platform {
 public:
  explicit NullPlatform(float width = 1600, float height = 1000, float scale = 1.0f);
  ~NullPlatform() override;
  NullPlatform(const NullPlatform&) = delete;
  NullPlatform& operator=(const NullPlatform&) = delete;

  float content_scale() const override { return scale_; }
  bool begin_frame() override;
  void end_frame() override;
  void present() override {}
  bool save_screenshot(const std::string& png_path, std::string& error) override;

  int frame_count() const { return frames_; }

 private:
  ImGuiContext* context_ = nullptr;  // owned: created in the constructor, destroyed in the destructor
  float width_, height_, scale_;
  int frames_ = 0;
};

}  // namespace multipos::app
