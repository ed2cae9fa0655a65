// Look of the studio: the system DejaVuSans font at 16 px times the display scale (ImGui's
// built-in font when the TTF is missing) and a dark theme scaled for the monitor's DPI.
// Call both after creating the ImGui context and before the first frame.
#pragma once

#include <string>

namespace multipos::ui {

// Installed by Debian's fonts-dejavu-core; never copied into the repository.
constexpr const char* kDefaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// Adds the studio font to the current ImGui context's atlas. Returns false (and adds ImGui's
// default font, scaled) when `ttf_path` cannot be read.
bool load_studio_font(float scale, const std::string& ttf_path = kDefaultFontPath);
// Dark theme with the studio's spacing, every size multiplied by `scale`.
void apply_studio_style(float scale);

}  // namespace multipos::ui
