#include "ui/studio_style.hpp"

#include <cmath>
#include <fstream>

#include <imgui.h>

namespace multipos::ui {

bool load_studio_font(float scale, const std::string& ttf_path) {
  ImGuiIO& io = ImGui::GetIO();
  // Checked first: ImGui asserts on a missing file instead of returning null in debug builds.
  if (std::ifstream(ttf_path, std::ios::binary).good()) {
    ImFontConfig config;
    config.OversampleH = 2;
    config.PixelSnapH = true;
    if (io.Fonts->AddFontFromFileTTF(ttf_path.c_str(), std::round(16.0f * scale), &config)) {
      return true;
    }
  }
  ImFontConfig fallback;
  fallback.SizePixels = std::round(13.0f * scale);
  io.Fonts->AddFontDefault(&fallback);
  return false;
}

void apply_studio_style(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowPadding = ImVec2(10, 8);
  style.FramePadding = ImVec2(8, 4);
  style.CellPadding = ImVec2(6, 3);
  style.ItemSpacing = ImVec2(8, 6);
  style.WindowRounding = 0;
  style.ChildRounding = 4;
  style.FrameRounding = 3;
  style.PopupRounding = 4;
  style.GrabRounding = 3;
  style.ScrollbarSize = 12;
  style.WindowBorderSize = 0;
  style.ChildBorderSize = 1;

  ImVec4* colors = style.Colors;
  colors[ImGuiCol_WindowBg] = ImVec4(0.105f, 0.110f, 0.125f, 1.0f);
  colors[ImGuiCol_ChildBg] = ImVec4(0.125f, 0.130f, 0.148f, 1.0f);
  colors[ImGuiCol_PopupBg] = ImVec4(0.140f, 0.145f, 0.165f, 0.97f);
  colors[ImGuiCol_Border] = ImVec4(0.260f, 0.270f, 0.300f, 1.0f);
  colors[ImGuiCol_FrameBg] = ImVec4(0.190f, 0.200f, 0.228f, 1.0f);
  colors[ImGuiCol_FrameBgHovered] = ImVec4(0.230f, 0.245f, 0.280f, 1.0f);
  colors[ImGuiCol_FrameBgActive] = ImVec4(0.260f, 0.275f, 0.315f, 1.0f);
  colors[ImGuiCol_CheckMark] = ImVec4(0.400f, 0.700f, 1.000f, 1.0f);
  colors[ImGuiCol_SliderGrab] = ImVec4(0.330f, 0.560f, 0.860f, 1.0f);
  colors[ImGuiCol_Button] = ImVec4(0.220f, 0.300f, 0.420f, 1.0f);
  colors[ImGuiCol_ButtonHovered] = ImVec4(0.270f, 0.380f, 0.540f, 1.0f);
  colors[ImGuiCol_ButtonActive] = ImVec4(0.300f, 0.430f, 0.620f, 1.0f);
  colors[ImGuiCol_TableHeaderBg] = ImVec4(0.165f, 0.172f, 0.195f, 1.0f);
  colors[ImGuiCol_TableRowBgAlt] = ImVec4(1.0f, 1.0f, 1.0f, 0.025f);
  colors[ImGuiCol_Header] = ImVec4(0.200f, 0.380f, 0.620f, 0.55f);
  colors[ImGuiCol_HeaderHovered] = ImVec4(0.230f, 0.420f, 0.680f, 0.45f);
  colors[ImGuiCol_HeaderActive] = ImVec4(0.260f, 0.460f, 0.720f, 0.70f);
  colors[ImGuiCol_Text] = ImVec4(0.900f, 0.910f, 0.930f, 1.0f);
  colors[ImGuiCol_TextDisabled] = ImVec4(0.560f, 0.580f, 0.620f, 1.0f);
  colors[ImGuiCol_PlotHistogram] = ImVec4(0.300f, 0.560f, 0.860f, 1.0f);
  style.ScaleAllSizes(scale);
}

}  // namespace multipos::ui
