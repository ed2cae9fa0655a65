// Reduction for filled (stacked-area) plots: min/max decimation suits lines but would tear
// stacked bands apart, while a per-pixel-column mean is linear, so bands that stacked before
// still stack after. Pure and thread-safe; no ImGui.
#pragma once

#include <cstddef>
#include <vector>

namespace multipos::ui::plot {

// Averages several y arrays sharing `xs` (ascending) over `columns` equal-width columns of
// [x_min, x_max]; points outside the range are dropped, except one neighbour on each side so
// areas reach the edges. When the range holds no more than 2 points per column they are copied
// unchanged. out_ys gets one vector per input array, parallel to out_xs (x = column mean).
void average_by_column(const double* xs, std::size_t count, const std::vector<const double*>& ys,
                       double x_min, double x_max, int columns, std::vector<double>& out_xs,
                       std::vector<std::vector<double>>& out_ys);

}  // namespace multipos::ui::plot
