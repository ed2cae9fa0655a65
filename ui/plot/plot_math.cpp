#include "ui/plot/plot_math.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace multipos::ui::plot {

double nice_step(double lo, double hi, int max_ticks) {
  const double span = hi - lo;
  if (!(span > 0) || !std::isfinite(span)) return 0;
  max_ticks = std::max(max_ticks, 2);
  const double raw = span / max_ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double mantissa : {1.0, 2.0, 5.0, 10.0}) {
    if (mantissa * magnitude >= raw) return mantissa * magnitude;
  }
  return 10.0 * magnitude;
}

Ticks nice_ticks(double lo, double hi, int max_ticks) {
  Ticks ticks;
  ticks.step = nice_step(lo, hi, max_ticks);
  if (ticks.step <= 0) return ticks;
  // Tolerance so a tick sitting exactly on a bound survives rounding.
  const double eps = ticks.step * 1e-9;
  for (double k = std::ceil((lo - eps) / ticks.step); k * ticks.step <= hi + eps; k += 1) {
    double value = k * ticks.step;
    if (std::fabs(value) < eps) value = 0;  // avoid "-0" and 1e-17 labels
    ticks.values.push_back(value);
  }
  return ticks;
}

Ticks log_ticks(double log_lo, double log_hi, int max_ticks) {
  Ticks ticks;
  if (!(log_hi > log_lo)) return ticks;
  const double decades = log_hi - log_lo;
  if (decades < 1.0) return nice_ticks(log_lo, log_hi, max_ticks);  // caller labels as 10^v
  const bool with_minor = decades * 3 <= max_ticks;
  const int stride = std::max(1, static_cast<int>(std::ceil(decades / std::max(max_ticks, 1))));
  for (int power = static_cast<int>(std::floor(log_lo)); power <= std::ceil(log_hi); ++power) {
    const std::array<double, 3> mantissas{1.0, 2.0, 5.0};
    for (double mantissa : mantissas) {
      if (mantissa > 1.0 && !with_minor) break;
      if (mantissa == 1.0 && power % stride != 0) continue;
      const double value = power + std::log10(mantissa);
      if (value >= log_lo - 1e-9 && value <= log_hi + 1e-9) ticks.values.push_back(value);
    }
  }
  return ticks;
}

std::string format_tick(double value, double step) {
  char text[32];
  const double magnitude = std::max(std::fabs(value), step);
  if (value == 0) return "0";
  if (magnitude >= 1e6 || (step > 0 && step < 1e-4)) {
    std::snprintf(text, sizeof text, "%.3g", value);
  } else {
    int decimals = step > 0 ? static_cast<int>(std::ceil(-std::log10(step) - 1e-9)) : 3;
    decimals = std::clamp(decimals, 0, 6);
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
  }
  return text;
}

std::string format_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

namespace {

// Accumulates the four points kept for one pixel column.
struct ColumnPick {
  std::size_t first = 0, min = 0, max = 0, last = 0;
  bool empty = true;

  void add(std::size_t index, const double* ys) {
    if (empty) {
      first = min = max = last = index;
      empty = false;
      return;
    }
    if (ys[index] < ys[min]) min = index;
    if (ys[index] > ys[max]) max = index;
    last = index;
  }

  void flush(const double* xs, const double* ys, std::vector<PlotPoint>& out) {
    if (empty) return;
    std::array<std::size_t, 4> picks{first, min, max, last};
    std::sort(picks.begin(), picks.end());
    const auto end = std::unique(picks.begin(), picks.end());
    for (auto it = picks.begin(); it != end; ++it) out.push_back({xs[*it], ys[*it]});
    empty = true;
  }
};

}  // namespace

void decimate_min_max(const double* xs, const double* ys, std::size_t count, double x_min,
                      double x_max, int columns, std::vector<PlotPoint>& out) {
  out.clear();
  if (count == 0 || !(x_max > x_min) || columns <= 0) return;
  std::size_t begin = static_cast<std::size_t>(std::lower_bound(xs, xs + count, x_min) - xs);
  std::size_t end = static_cast<std::size_t>(std::upper_bound(xs, xs + count, x_max) - xs);
  if (begin > 0) --begin;     // neighbour left of the view
  if (end < count) ++end;     // neighbour right of the view
  const double scale = columns / (x_max - x_min);
  ColumnPick pick;
  long current_column = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (std::isnan(ys[i])) continue;
    const double position = std::floor((xs[i] - x_min) * scale);
    const long column = static_cast<long>(std::clamp(position, -1.0, double(columns)));
    if (!pick.empty && column != current_column) pick.flush(xs, ys, out);
    current_column = column;
    pick.add(i, ys);
  }
  pick.flush(xs, ys, out);
}

std::vector<double> ema_debiased(const std::vector<double>& values, double weight) {
  std::vector<double> smoothed(values.size());
  weight = std::clamp(weight, 0.0, 0.999999);
  double average = 0, weight_power = 1;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) {
      smoothed[i] = values[i];
      continue;
    }
    average = weight * average + (1 - weight) * values[i];
    weight_power *= weight;
    // Dividing by (1 - w^n) removes the pull toward the zero the average started from.
    smoothed[i] = weight_power < 1 ? average / (1 - weight_power) : values[i];
  }
  return smoothed;
}

std::size_t nearest_index(const double* xs, std::size_t count, double x) {
  const std::size_t upper = static_cast<std::size_t>(std::lower_bound(xs, xs + count, x) - xs);
  if (upper == 0) return 0;
  if (upper >= count) return count - 1;
  return (x - xs[upper - 1] <= xs[upper] - x) ? upper - 1 : upper;
}

}  // namespace multipos::ui::plot
