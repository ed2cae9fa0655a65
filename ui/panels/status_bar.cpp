#include "ui/panels/status_bar.hpp"

#include <algorithm>
#include <cstdio>

#include <imgui.h>

#include "core/store/run_store.hpp"

namespace multipos::ui {

namespace {

ImVec4 health_color(StoreHealth::State state) {
  switch (state) {
    case StoreHealth::State::connected: return ImVec4(0.42f, 0.80f, 0.46f, 1.0f);
    case StoreHealth::State::missing: return ImVec4(0.93f, 0.74f, 0.30f, 1.0f);
    case StoreHealth::State::failed: return ImVec4(0.96f, 0.38f, 0.38f, 1.0f);
    case StoreHealth::State::connecting: break;
  }
  return ImVec4(0.62f, 0.64f, 0.68f, 1.0f);
}

std::string health_text(const StatusBarInfo& info) {
  switch (info.health.state) {
    case StoreHealth::State::connected: return "Connected to " + info.db_path;
    case StoreHealth::State::connecting: return "Opening " + info.db_path + " ...";
    case StoreHealth::State::missing:
    case StoreHealth::State::failed: break;
  }
  return info.health.message;
}

}  // namespace

void draw_status_bar(const StatusBarInfo& info) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float line = ImGui::GetTextLineHeight();
  const ImVec4 color = health_color(info.health.state);
  draw->AddCircleFilled(ImVec2(at.x + line * 0.4f, at.y + line * 0.5f), line * 0.3f,
                        ImGui::ColorConvertFloat4ToU32(color));
  ImGui::Dummy(ImVec2(line * 0.9f, line));
  ImGui::SameLine();
  const std::string text = health_text(info);
  const float text_end = ImGui::GetCursorPosX() + ImGui::CalcTextSize(text.c_str()).x;
  ImGui::TextColored(info.health.state == StoreHealth::State::connected
                         ? ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled)
                         : color,
                     "%s", text.c_str());
  if (ImGui::IsItemHovered() && !text.empty()) ImGui::SetTooltip("%s", text.c_str());

  char counts[160];
  if (info.last_poll > 0) {
    std::snprintf(counts, sizeof counts, "%zu runs   %zu points   updated %.1f s ago",
                  info.run_count, info.point_count, store::now_seconds() - info.last_poll);
  } else {
    std::snprintf(counts, sizeof counts, "%zu runs   %zu points", info.run_count, info.point_count);
  }
  const float width = ImGui::CalcTextSize(counts).x;
  const float right = ImGui::GetWindowContentRegionMax().x;
  ImGui::SameLine(std::max(text_end + line * 2, right - width));
  ImGui::TextDisabled("%s", counts);
}

}  // namespace multipos::ui
