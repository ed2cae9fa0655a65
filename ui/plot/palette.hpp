// Colors for plot series and run status, chosen to stay distinguishable on the dark studio theme.
// A run keeps its color wherever it appears (table swatch, chart, legend): index by run id.
#pragma once

#include <cstddef>
#include <cstdint>

#include <imgui.h>

namespace multipos::ui::plot {

// Color of series `index` (wraps around a 10-color palette); alpha in [0, 1].
ImU32 series_color(std::size_t index, float alpha = 1.0f);
// Color for a run by its store id, stable across selections and restarts.
ImU32 run_color(int64_t run_id, float alpha = 1.0f);

}  // namespace multipos::ui::plot
