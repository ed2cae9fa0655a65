// The desktop platform: a GLFW window with an OpenGL 3 context (GLSL "#version 130") and the
// Dear ImGui GLFW + OpenGL3 backends. Construction fails with a PlatformError that says how to
// open the studio when there is no display.
#pragma once

#include <memory>
#include <string>

#include "app/platform/platform.hpp"

struct GLFWwindow;
struct ImGuiContext;

namespace multipos::app {

struct WindowOptions {
  std::string title = "multipos studio";
  int width = 1600;
  int height = 1000;
  // When idle, wait up to this long for input before drawing the next frame (live data still
  // shows within it); 0 redraws as fast as vsync allows (screenshots).
  double idle_wait_seconds = 0.1;
};

class GlfwPlatform : public Platform {
 public:
  explicit GlfwPlatform(const WindowOptions& options);  // throws PlatformError
  ~GlfwPlatform() override;
  GlfwPlatform(const GlfwPlatform&) = delete;
  GlfwPlatform& operator=(const GlfwPlatform&) = delete;

  float content_scale() const override { return scale_; }
  bool begin_frame() override;
  void end_frame() override;
  void present() override;
  bool save_screenshot(const std::string& png_path, std::string& error) override;

 private:
  // One RAII type per start-up stage: when a later stage throws, the earlier ones are undone in
  // reverse order by their destructors (members are destroyed in reverse declaration order).
  struct GlfwLibrary {
    GlfwLibrary();
    ~GlfwLibrary();
  };
  struct WindowDeleter {
    void operator()(GLFWwindow* window) const;
  };
  struct ContextDeleter {
    void operator()(ImGuiContext* context) const;
  };
  struct GlfwBackend {
    explicit GlfwBackend(GLFWwindow* window);
    ~GlfwBackend();
  };
  struct OpenGlBackend {
    OpenGlBackend();
    ~OpenGlBackend();
  };

  GlfwLibrary library_;
  std::unique_ptr<GLFWwindow, WindowDeleter> window_;
  std::unique_ptr<ImGuiContext, ContextDeleter> context_;
  std::unique_ptr<GlfwBackend> glfw_backend_;
  std::unique_ptr<OpenGlBackend> opengl_backend_;
  float scale_ = 1.0f;
  double idle_wait_seconds_;
};

}  // namespace multipos::app
