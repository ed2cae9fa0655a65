// A draggable bar between two child windows (ImGui 1.86 has no docking): it stores the first
// pane's share of the space so the layout follows window resizes. UI thread only.
#pragma once

namespace multipos::ui {

// Draws a bar `thickness` thick across the current line (horizontal bar when `vertical_split` is
// false, i.e. panes above and below) and updates `fraction` (first pane / total) while dragged,
// keeping each pane at least `min_size` pixels. `total` is the space shared by both panes.
void splitter(const char* id, bool vertical_split, float thickness, float total, float min_size,
              float& fraction);

}  // namespace multipos::ui
