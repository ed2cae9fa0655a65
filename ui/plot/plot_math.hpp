// Plot arithmetic shared by the plot widgets: "nice" axis ticks, per-pixel min/max decimation,
// debiased EMA smoothing and nearest-point lookup. No ImGui here, so all of it is unit-tested.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace multipos::ui::plot {

// Tick marks of one axis: positions in data units and the spacing that produced them.
struct Ticks {
  double step = 0;              // 0 for log ticks (spacing is not constant)
  std::vector<double> values;   // ascending, every value inside [lo, hi]
};

// Smallest 1-2-5 x 10^k step that puts at most `max_ticks` ticks in [lo, hi].
double nice_step(double lo, double hi, int max_ticks);
// Multiples of nice_step inside [lo, hi]. An empty or inverted range gives no ticks.
Ticks nice_ticks(double lo, double hi, int max_ticks);
// Ticks for a log10 axis whose range [log_lo, log_hi] is already in decades: powers of ten, plus
// 2x and 5x when few decades are visible; falls back to linear ticks in log space for tiny spans.
Ticks log_ticks(double log_lo, double log_hi, int max_ticks);
// Short label for a tick value: enough decimals for `step`, scientific for very large/small values.
std::string format_tick(double value, double step);
// Label for a value read at the cursor (4 significant digits).
std::string format_value(double value);

// One point surviving decimation.
struct PlotPoint {
  double x = 0, y = 0;
};

// Reduces the points with x in [x_min, x_max] (plus one neighbour on each side, so lines reach the
// plot edges) to at most 4 points per pixel column: first, min, max, last, in x order. `xs` must be
// ascending; NaN y values are skipped. The draw cost is thus bounded by the plot width, not by n.
void decimate_min_max(const double* xs, const double* ys, std::size_t count, double x_min,
                      double x_max, int columns, std::vector<PlotPoint>& out);

// Exponential moving average with the startup bias removed (as in Adam): weight in [0, 1),
// 0 = no smoothing. NaN inputs are passed through and do not disturb the average.
std::vector<double> ema_debiased(const std::vector<double>& values, double weight);

// Index of the point whose x is closest to `x` (xs ascending); count must be > 0.
std::size_t nearest_index(const double* xs, std::size_t count, double x);

}  // namespace multipos::ui::plot
