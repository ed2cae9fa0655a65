#include "app/platform/glfw_platform.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <GLFW/glfw3.h>
#include <stb_image_write.h>

namespace multipos::app {

namespace {

// GLFW reports errors through a callback; keep the last one to put in our own messages.
std::string& last_glfw_error() {
  static std::string message;
  return message;
}

void remember_glfw_error(int code, const char* description) {
  last_glfw_error() = "GLFW error " + std::to_string(code) + ": " + (description ? description : "");
}

bool has_display() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x11 && *x11) || (wayland && *wayland);
}

const char* kHowToOpen =
    "The studio needs a graphical display. Run `multipos studio` from a desktop session, over "
    "`ssh -X`, or headless under Xvfb, e.g. `xvfb-run -a multipos studio --screenshot out.png`. "
    "The headless subcommands (`multipos train`, `multipos runs`) need no display.";

}  // namespace

GlfwPlatform::GlfwLibrary::GlfwLibrary() {
  glfwSetErrorCallback(remember_glfw_error);
  if (!has_display()) {
    throw PlatformError(std::string("no display (DISPLAY and WAYLAND_DISPLAY are unset). ") + kHowToOpen);
  }
  if (!glfwInit()) {
    throw PlatformError("cannot initialise GLFW (" + last_glfw_error() + "). " + kHowToOpen);
  }
}

GlfwPlatform::GlfwLibrary::~GlfwLibrary() { glfwTerminate(); }

void GlfwPlatform::WindowDeleter::operator()(GLFWwindow* window) const { glfwDestroyWindow(window); }

void GlfwPlatform::ContextDeleter::operator()(ImGuiContext* context) const {
  ImGui::DestroyContext(context);
}

GlfwPlatform::GlfwBackend::GlfwBackend(GLFWwindow* window) {
  if (!ImGui_ImplGlfw_InitForOpenGL(window, true)) {
    throw PlatformError("cannot initialise the ImGui GLFW backend");
  }
}

GlfwPlatform::GlfwBackend::~GlfwBackend() { ImGui_ImplGlfw_Shutdown(); }

GlfwPlatform::OpenGlBackend::OpenGlBackend() {
  if (!ImGui_ImplOpenGL3_Init("#version 130")) {
    throw PlatformError("cannot initialise the ImGui OpenGL3 backend (needs OpenGL 3.0)");
  }
}

GlfwPlatform::OpenGlBackend::~OpenGlBackend() { ImGui_ImplOpenGL3_Shutdown(); }

GlfwPlatform::GlfwPlatform(const WindowOptions& options)
    : idle_wait_seconds_(options.idle_wait_seconds) {
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  window_.reset(glfwCreateWindow(options.width, options.height, options.title.c_str(), nullptr, nullptr));
  if (!window_) {
    throw PlatformError("cannot create an OpenGL 3.0 window (" + last_glfw_error() + "). " + kHowToOpen);
  }
  glfwMakeContextCurrent(window_.get());
  glfwSwapInterval(1);  // vsync: no point drawing faster than the screen shows
  float scale_x = 1, scale_y = 1;
  glfwGetWindowContentScale(window_.get(), &scale_x, &scale_y);
  scale_ = std::clamp(std::max(scale_x, scale_y), 1.0f, 4.0f);

  IMGUI_CHECKVERSION();
  context_.reset(ImGui::CreateContext());
  ImGui::GetIO().IniFilename = nullptr;  // the layout is ours, not saved per user
  glfw_backend_ = std::make_unique<GlfwBackend>(window_.get());
  opengl_backend_ = std::make_unique<OpenGlBackend>();
}

GlfwPlatform::~GlfwPlatform() = default;

bool GlfwPlatform::begin_frame() {
  // Sleeping until input (or the idle timeout) keeps an idle studio near 0% CPU.
  if (idle_wait_seconds_ > 0) glfwWaitEventsTimeout(idle_wait_seconds_);
  else glfwPollEvents();
  if (glfwWindowShouldClose(window_.get())) return false;
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  return true;
}

void GlfwPlatform::end_frame() {
  ImGui::Render();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_.get(), &width, &height);
  glViewport(0, 0, width, height);
  const ImVec4 background = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(background.x, background.y, background.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void GlfwPlatform::present() { glfwSwapBuffers(window_.get()); }

bool GlfwPlatform::save_screenshot(const std::string& png_path, std::string& error) {
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_.get(), &width, &height);
  if (width <= 0 || height <= 0) {
    error = "the window has no framebuffer (minimised?)";
    return false;
  }
  const std::size_t row_bytes = static_cast<std::size_t>(width) * 3;
  std::vector<unsigned char> pixels(row_bytes * static_cast<std::size_t>(height));
  glReadBuffer(GL_BACK);  // end_frame() drew into the back buffer; present() has not swapped yet
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  // OpenGL rows start at the bottom, PNG rows at the top.
  std::vector<unsigned char> flipped(pixels.size());
  for (int row = 0; row < height; ++row) {
    std::copy_n(pixels.data() + static_cast<std::size_t>(height - 1 - row) * row_bytes, row_bytes,
                flipped.data() + static_cast<std::size_t>(row) * row_bytes);
  }
  if (!stbi_write_png(png_path.c_str(), width, height, 3, flipped.data(), static_cast<int>(row_bytes))) {
    error = "cannot write " + png_path;
    return false;
  }
  return true;
}

}  // namespace multipos::app
