#include "ui/panels/log_panel.hpp"

#include <ctime>

#include <imgui.h>

namespace multipos::ui {

namespace {

ImVec4 level_color(LogLevel level) {
  switch (level) {
    case LogLevel::error: return ImVec4(0.96f, 0.38f, 0.38f, 1.0f);
    case LogLevel::warning: return ImVec4(0.93f, 0.74f, 0.30f, 1.0f);
    case LogLevel::info: break;
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warning: return "warn ";
    case LogLevel::info: break;
  }
  return "info ";
}

}  // namespace

void LogPanel::draw(const StudioLog& log) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Log");
  ImGui::SameLine();
  ImGui::Checkbox("Errors only", &errors_only_);
  ImGui::BeginChild("##log_lines", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  const bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;
  for (const LogEntry& entry : log.entries()) {
    if (errors_only_ && entry.level != LogLevel::error) continue;
    const std::time_t seconds = static_cast<std::time_t>(entry.time);
    std::tm local{};
    localtime_r(&seconds, &local);
    char stamp[16];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", &local);
    ImGui::TextDisabled("%s", stamp);
    ImGui::SameLine();
    ImGui::TextColored(level_color(entry.level), "%s", level_name(entry.level));
    ImGui::SameLine();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(entry.message.c_str());
    ImGui::PopTextWrapPos();
  }
  // Follow new lines only when the user has not scrolled up to read older ones.
  if (at_bottom) ImGui::SetScrollHereY(1.0f);
  ImGui::EndChild();
}

}  // namespace multipos::ui
