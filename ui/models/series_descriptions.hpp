// Tooltip sentences for series names as the studio shows them: diagnostic names ("diag/...") get
// the engine's own sentence (core/objectives/diagnostic_descriptions.hpp, torch-free); probe names
// ("probe/...") the same sentence marked as measured on the probe set. Pure and thread-safe.
#pragma once

#include <string>

namespace multipos::ui {

// Empty when the name has no description (loss, lr, eval/... and unknown names).
std::string series_description(const std::string& series_name);

// ImGui helper: when the last item is hovered and `series_name` has a description, shows it
// (wrapped, with the name as a title) as the item's tooltip. UI thread only.
void series_tooltip(const std::string& series_name);

}  // namespace multipos::ui
