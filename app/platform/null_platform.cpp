#include "app/platform/null_platform.hpp"

#include <imgui.h>

namespace multipos::app {

NullPlatform::NullPlatform(float width, float height, float scale)
    : context_(ImGui::CreateContext()), width_(width), height_(height), scale_(scale) {
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // tests must not leave imgui.ini files behind
  io.LogFilename = nullptr;
  io.BackendPlatformName = "multipos_null";
  io.BackendRendererName = "multipos_null";
  // Like the real OpenGL3 renderer, accept draw lists over 64k vertices (dense plots make them);
  // nothing is drawn here, so there is nothing to honour the flag for.
  io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
}

NullPlatform::~NullPlatform() { ImGui::DestroyContext(context_); }

bool NullPlatform::begin_frame() {
  ImGui::SetCurrentContext(context_);
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(width_, height_);
  io.DeltaTime = 1.0f / 60.0f;
  // A renderer would upload the atlas; building it in memory is all NewFrame needs.
  if (!io.Fonts->IsBuilt()) {
    unsigned char* pixels = nullptr;
    int atlas_width = 0, atlas_height = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &atlas_width, &atlas_height);
  }
  ImGui::NewFrame();
  return true;
}

void NullPlatform::end_frame() {
  ImGui::Render();
  ++frames_;
}

bool NullPlatform::save_screenshot(const std::string&, std::string& error) {
  error = "the headless platform draws no pixels; screenshots need the GLFW platform";
  return false;
}

}  // namespace multipos::app
