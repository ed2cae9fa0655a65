// What the Curves tab computes before drawing: the x value of every point under the chosen axis
// (step, examples seen, epoch or wall-clock time since the run started) and, for runs that differ
// only in their seed, the mean curve with its min-max band. No ImGui here; unit-tested.
// Thread-safety: none needed (pure functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

enum class XAxis { step, examples, epoch, wall_time };
const char* x_axis_name(XAxis axis);    // "step", "examples", "epoch", "wall_time"
const char* x_axis_label(XAxis axis);   // axis title: "step", "examples seen", "epoch", "seconds"
bool parse_x_axis(const std::string& name, XAxis& axis);

// What mapping a run's steps needs besides the series itself.
struct XContext {
  int64_t examples_per_step = 0;     // batch.queries of the run's config
  const SeriesData* epoch = nullptr; // the run's "epoch" series (one point per step)
  double start_time = 0;             // unix seconds the run started; 0 = its first point's time
};

// Fills `xs` (one per point of `series`) for the axis; false when the run lacks what the axis
// needs (no batch size, no epoch series), leaving xs empty. xs never decreases (a point written
// out of order keeps the previous x), because the plot binary-searches it.
bool map_x(const SeriesData& series, XAxis axis, const XContext& context, std::vector<double>& xs);

// Where each new epoch begins in a run's "epoch" series (epoch progress after each step): for
// k = 1, 2, ... the first step whose value exceeds k, i.e. the first step that trained on queries
// of epoch k + 1, with its wall time; values hold k. Training-batch diagnostics can jump there: an
// encoder that memorises its queries (a hashed bag) meets only queries it has seen from then on.
SeriesData epoch_starts(const SeriesData& epoch);

// Linear interpolation of (xs, ys) at x; NaN outside [xs.front(), xs.back()] or when empty.
double interpolate(const std::vector<double>& xs, const std::vector<double>& ys, double x);

// Mean and min-max band of several curves on one grid.
struct BandCurve {
  std::vector<double> xs, mean, lo, hi;
  std::vector<int> runs;  // how many curves cover each grid point
};

// The grid is the x values of the longest curve, thinned to at most `max_points` (first and last
// kept). At each grid x every curve whose x range covers it is interpolated; points that fewer
// than `min_runs` curves cover are left out (a band of one run is no band).
struct CurveRef {
  const std::vector<double>* xs = nullptr;
  const std::vector<double>* ys = nullptr;
};
BandCurve seed_band(const std::vector<CurveRef>& curves, std::size_t max_points = 2000, int min_runs = 2);

}  // namespace multipos::ui
