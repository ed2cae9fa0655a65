#include "ui/splitter.hpp"

#include <algorithm>

#include <imgui.h>

namespace multipos::ui {

void splitter(const char* id, bool vertical_split, float thickness, float total, float min_size,
              float& fraction) {
  const ImVec2 size = vertical_split ? ImVec2(thickness, ImGui::GetContentRegionAvail().y)
                                     : ImVec2(ImGui::GetContentRegionAvail().x, thickness);
  const ImVec2 start = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  const bool hot = ImGui::IsItemHovered() || ImGui::IsItemActive();
  if (hot) {
    ImGui::SetMouseCursor(vertical_split ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
  }
  if (ImGui::IsItemActive() && total > 0) {
    const ImVec2 delta = ImGui::GetIO().MouseDelta;
    fraction += (vertical_split ? delta.x : delta.y) / total;
  }
  if (total > 2 * min_size) {
    fraction = std::clamp(fraction, min_size / total, 1.0f - min_size / total);
  }
  // A thin grip in the middle shows where to grab without stealing space.
  const ImU32 color = ImGui::GetColorU32(hot ? ImGuiCol_SeparatorHovered : ImGuiCol_Separator,
                                         hot ? 1.0f : 0.5f);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  if (vertical_split) {
    const float x = start.x + thickness * 0.5f;
    draw->AddLine(ImVec2(x, start.y + 4), ImVec2(x, start.y + size.y - 4), color, 2.0f);
  } else {
    const float y = start.y + thickness * 0.5f;
    draw->AddLine(ImVec2(start.x + 4, y), ImVec2(start.x + size.x - 4, y), color, 2.0f);
  }
}

}  // namespace multipos::ui
