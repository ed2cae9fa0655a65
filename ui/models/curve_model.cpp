#include "ui/models/curve_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace multipos::ui {

namespace {

struct AxisName {
  XAxis axis;
  const char* name;
  const char* label;
};
const AxisName kAxes[] = {{XAxis::step, "step", "step"},
                          {XAxis::examples, "examples", "examples seen"},
                          {XAxis::epoch, "epoch", "epoch"},
                          {XAxis::wall_time, "wall_time", "seconds since start"}};

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

const char* x_axis_name(XAxis axis) {
  for (const auto& entry : kAxes) {
    if (entry.axis == axis) return entry.name;
  }
  return "step";
}

const char* x_axis_label(XAxis axis) {
  for (const auto& entry : kAxes) {
    if (entry.axis == axis) return entry.label;
  }
  return "step";
}

bool parse_x_axis(const std::string& name, XAxis& axis) {
  for (const auto& entry : kAxes) {
    if (name == entry.name) {
      axis = entry.axis;
      return true;
    }
  }
  return false;
}

double interpolate(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  if (xs.empty() || x < xs.front() || x > xs.back() || std::isnan(x)) return kNaN;
  const auto upper = std::lower_bound(xs.begin(), xs.end(), x);
  const std::size_t i = static_cast<std::size_t>(upper - xs.begin());
  if (xs[i] == x || i == 0) return ys[i];
  const double x0 = xs[i - 1], x1 = xs[i];
  const double t = (x - x0) / (x1 - x0);
  return ys[i - 1] + t * (ys[i] - ys[i - 1]);
}

SeriesData epoch_starts(const SeriesData& epoch) {
  SeriesData starts;
  double next = 1;
  for (std::size_t i = 0; i < epoch.steps.size() && i < epoch.values.size(); ++i) {
    if (!(epoch.values[i] > next)) continue;
    // A step can cross several boundaries only when an epoch is smaller than a batch: one mark.
    starts.steps.push_back(epoch.steps[i]);
    starts.values.push_back(std::floor(epoch.values[i]));
    starts.wall_times.push_back(i < epoch.wall_times.size() ? epoch.wall_times[i] : 0);
    next = std::floor(epoch.values[i]) + 1;
  }
  return starts;
}

bool map_x(const SeriesData& series, XAxis axis, const XContext& context, std::vector<double>& xs) {
  xs.clear();
  const std::size_t n = series.steps.size();
  switch (axis) {
    case XAxis::step: xs = series.steps; break;
    case XAxis::examples: {
      if (context.examples_per_step <= 0) return false;
      // Step s has trained on s + 1 batches (steps count from 0).
      const double per_step = static_cast<double>(context.examples_per_step);
      xs.resize(n);
      for (std::size_t i = 0; i < n; ++i) xs[i] = (series.steps[i] + 1) * per_step;
      break;
    }
    case XAxis::epoch: {
      if (!context.epoch || context.epoch->steps.empty()) return false;
      xs.resize(n);
      const auto& epoch_steps = context.epoch->steps;
      const auto& epochs = context.epoch->values;
      for (std::size_t i = 0; i < n; ++i) {
        const double step = std::clamp(series.steps[i], epoch_steps.front(), epoch_steps.back());
        xs[i] = interpolate(epoch_steps, epochs, step);
      }
      break;
    }
    case XAxis::wall_time: {
      if (n == 0) return true;
      const double start = context.start_time > 0 ? context.start_time : series.wall_times.front();
      xs.resize(n);
      for (std::size_t i = 0; i < n; ++i) xs[i] = series.wall_times[i] - start;
      break;
    }
  }
  // Keep xs ascending (the plot's decimation binary-searches it).
  for (std::size_t i = 1; i < xs.size(); ++i) {
    if (!(xs[i] >= xs[i - 1])) xs[i] = xs[i - 1];
  }
  return true;
}

BandCurve seed_band(const std::vector<CurveRef>& curves, std::size_t max_points, int min_runs) {
  BandCurve band;
  const std::vector<double>* grid_source = nullptr;
  for (const auto& curve : curves) {
    if (curve.xs && (!grid_source || curve.xs->size() > grid_source->size())) grid_source = curve.xs;
  }
  if (!grid_source || grid_source->empty() || max_points < 2) return band;
  const std::size_t n = grid_source->size();
  const std::size_t points = std::min(n, max_points);
  for (std::size_t k = 0; k < points; ++k) {
    const std::size_t i = points == 1 ? 0 : k * (n - 1) / (points - 1);
    const double x = (*grid_source)[i];
    if (!band.xs.empty() && band.xs.back() == x) continue;
    double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    int covering = 0;
    for (const auto& curve : curves) {
      if (!curve.xs || !curve.ys) continue;
      const double y = interpolate(*curve.xs, *curve.ys, x);
      if (!std::isfinite(y)) continue;
      sum += y;
      lo = std::min(lo, y);
      hi = std::max(hi, y);
      ++covering;
    }
    if (covering < min_runs) continue;
    band.xs.push_back(x);
    band.mean.push_back(sum / covering);
    band.lo.push_back(lo);
    band.hi.push_back(hi);
    band.runs.push_back(covering);
  }
  return band;
}

}  // namespace multipos::ui
