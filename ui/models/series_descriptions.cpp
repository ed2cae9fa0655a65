#include "ui/models/series_descriptions.hpp"

#include <imgui.h>

#include "core/objectives/diagnostic_descriptions.hpp"

namespace multipos::ui {

namespace {
constexpr const char* kDiagPrefix = "diag/";
constexpr const char* kProbePrefix = "probe/";

bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}
}  // namespace

std::string series_description(const std::string& series_name) {
  if (starts_with(series_name, kDiagPrefix) || starts_with(series_name, "data/")) {
    return objectives::diagnostic_description(series_name);
  }
  if (starts_with(series_name, kProbePrefix)) {
    // The probe writes the same figures under another prefix: reuse the engine's sentence so
    // the two never drift apart, and say where the figure comes from.
    const std::string diag_name = kDiagPrefix + series_name.substr(std::string(kProbePrefix).size());
    const std::string sentence = objectives::diagnostic_description(diag_name);
    if (sentence.empty()) return "";
    return sentence + " Measured every K steps on the fixed probe set, all positives scored.";
  }
  return "";
}

void series_tooltip(const std::string& series_name) {
  if (!ImGui::IsItemHovered()) return;
  const std::string description = series_description(series_name);
  if (description.empty()) return;
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 28);
  ImGui::TextDisabled("%s", series_name.c_str());
  ImGui::TextUnformatted(description.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

}  // namespace multipos::ui
