#include "core/study/study_figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>

#include "core/objectives/registry.hpp"
#include "core/study/study_summary.hpp"

namespace multipos::study {

namespace {

constexpr Color kInk{40, 40, 48, 255};
constexpr Color kGrid{225, 226, 232, 255};
constexpr Color kMuted{110, 112, 122, 255};
constexpr float kTitleSize = 15, kLabelSize = 12;

struct Rect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct Series {
  std::string label;
  Color color;
  std::vector<double> mean, low, high;  // NaN where the cell has no finished run
  float dash = 0;
};

const double kMissing = std::numeric_limits<double>::quiet_NaN();

std::string tick_text(double value, double step) {
  char text[32];
  const int digits = step >= 1 ? 0 : std::min(4, static_cast<int>(std::ceil(-std::log10(step))));
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

double nice_step(double range, int target_ticks) {
  const double raw = range / std::max(1, target_ticks);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (factor * magnitude >= raw) return factor * magnitude;
  return 10 * magnitude;
}

// Maps data to pixels inside a plot rectangle and draws its grid, ticks and labels.
class Axes {
 public:
  Axes(FigureCanvas& canvas, Rect plot, double x_min, double x_max, double y_min, double y_max)
      : canvas_(canvas), plot_(plot), x_min_(x_min), x_max_(x_max), y_min_(y_min), y_max_(y_max) {}

  Point at(double x, double y) const {
    const double fx = x_max_ > x_min_ ? (x - x_min_) / (x_max_ - x_min_) : 0.5;
    const double fy = y_max_ > y_min_ ? (y - y_min_) / (y_max_ - y_min_) : 0.5;
    return {static_cast<float>(plot_.x0 + fx * (plot_.x1 - plot_.x0)), static_cast<float>(plot_.y1 - fy * (plot_.y1 - plot_.y0))};
  }

  void draw_frame(const std::vector<double>& x_ticks, const std::string& x_label) {
    const double step = nice_step(y_max_ - y_min_, 5);
    for (double y = std::ceil(y_min_ / step) * step; y <= y_max_ + step * 1e-6; y += step) {
      const Point p = at(x_min_, y);
      canvas_.line({plot_.x0, p.y}, {plot_.x1, p.y}, kGrid, 1);
      canvas_.text(plot_.x0 - 6, p.y + 4, tick_text(y, step), kLabelSize, kMuted, Align::right);
    }
    for (double x : x_ticks) {
      const Point p = at(x, y_min_);
      canvas_.line({p.x, plot_.y1}, {p.x, plot_.y1 + 4}, kMuted, 1);
      canvas_.text(p.x, plot_.y1 + 18, format_rate(x), kLabelSize, kMuted, Align::center);
    }
    canvas_.line({plot_.x0, plot_.y1}, {plot_.x1, plot_.y1}, kMuted, 1);
    canvas_.line({plot_.x0, plot_.y0}, {plot_.x0, plot_.y1}, kMuted, 1);
    if (!x_label.empty()) canvas_.text((plot_.x0 + plot_.x1) / 2, plot_.y1 + 34, x_label, kLabelSize, kMuted, Align::center);
  }

  void draw_series(const std::vector<double>& xs, const Series& series) {
    std::vector<Point> upper, lower, line;
    for (size_t i = 0; i < xs.size(); ++i) {
      if (std::isnan(series.mean[i])) continue;
      line.push_back(at(xs[i], series.mean[i]));
      upper.push_back(at(xs[i], series.high[i]));
      lower.push_back(at(xs[i], series.low[i]));
    }
    if (upper.size() > 1) {
      std::vector<Point> band = upper;
      band.insert(band.end(), lower.rbegin(), lower.rend());
      canvas_.fill_polygon(band, {series.color.r, series.color.g, series.color.b, 46});
    }
    canvas_.polyline(line, series.color, 2.0f, series.dash);
    for (const Point& p : line) canvas_.fill_rect(p.x - 2.5f, p.y - 2.5f, p.x + 2.5f, p.y + 2.5f, series.color);
  }

 private:
  FigureCanvas& canvas_;
  Rect plot_;
  double x_min_, x_max_, y_min_, y_max_;
};

void value_range(const std::vector<Series>& all, double& low, double& high) {
  low = std::numeric_limits<double>::infinity();
  high = -low;
  for (const auto& series : all)
    for (size_t i = 0; i < series.mean.size(); ++i) {
      if (std::isnan(series.mean[i])) continue;
      low = std::min(low, series.low[i]);
      high = std::max(high, series.high[i]);
    }
  if (!std::isfinite(low)) low = 0, high = 1;
  const double pad = std::max(0.01, (high - low) * 0.08);
  low = std::max(0.0, low - pad);
  high = high + pad;
}

void line_panel(FigureCanvas& canvas, Rect panel, const std::string& title, const std::vector<double>& xs,
                const std::vector<Series>& all) {
  canvas.text(panel.x0 + 4, panel.y0 + 16, title, kTitleSize, kInk);
  Rect plot{panel.x0 + 52, panel.y0 + 30, panel.x1 - 12, panel.y1 - 44};
  double low = 0, high = 1;
  value_range(all, low, high);
  const double x_min = xs.front(), x_max = xs.back();
  const double x_pad = x_max > x_min ? (x_max - x_min) * 0.04 : 0.5;
  Axes axes(canvas, plot, x_min - x_pad, x_max + x_pad, low, high);
  axes.draw_frame(xs, "false-positive rate of the training positives");
  for (const auto& series : all) axes.draw_series(xs, series);
}

void legend(FigureCanvas& canvas, float x, float y, const std::vector<std::pair<std::string, Color>>& entries,
            const std::vector<float>& dashes = {}) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const float dash = i < dashes.size() ? dashes[i] : 0;
    canvas.line({x, y - 4}, {x + 22, y - 4}, entries[i].second, 2.5f, dash);
    canvas.text(x + 28, y, entries[i].first, kLabelSize, kInk);
    x += 40 + canvas.text_width(entries[i].first, kLabelSize);
  }
}

Series flat_series(const std::string& label, Color color, double low, double mean, double high, size_t points, float dash) {
  return {label, color, std::vector<double>(points, mean), std::vector<double>(points, low), std::vector<double>(points, high), dash};
}

std::vector<Series> metric_series(const StudyResults& results, const std::string& regime, const std::string& metric) {
  const auto& rates = results.spec.noise_rates;
  std::vector<Series> all;
  for (const auto& objective : results.spec.objectives) {
    Series series{objective_label(objective), objective_color(objective), {}, {}, {}, 0};
    for (double rate : rates) {
      SeedAggregate a = aggregate_metric(results, regime, rate, objective, metric);
      series.mean.push_back(a.seeds ? a.mean : kMissing);
      series.low.push_back(a.seeds ? a.min : kMissing);
      series.high.push_back(a.seeds ? a.max : kMissing);
    }
    all.push_back(std::move(series));
  }
  if (auto bm25 = results.bm25.mean.find(metric); bm25 != results.bm25.mean.end())
    all.push_back(flat_series("BM25", objective_color(kBm25Baseline), bm25->second, bm25->second, bm25->second, rates.size(), 7));
  SeedAggregate untrained = aggregate_untrained(results, metric);
  if (untrained.seeds > 0)
    all.push_back(flat_series("untrained", objective_color(kUntrainedBaseline), untrained.min, untrained.mean, untrained.max,
                              rates.size(), 3));
  return all;
}

std::vector<double> sorted_rates(const StudyResults& results) {
  std::vector<double> rates = results.spec.noise_rates;
  std::sort(rates.begin(), rates.end());
  return rates;
}

// Reorders a regime's series values to follow sorted noise rates.
std::vector<Series> follow_sorted_rates(const StudyResults& results, std::vector<Series> all) {
  const auto& original = results.spec.noise_rates;
  std::vector<size_t> order(original.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return original[a] < original[b]; });
  for (auto& series : all) {
    Series sorted = series;
    for (size_t i = 0; i < order.size(); ++i) {
      sorted.mean[i] = series.mean[order[i]];
      sorted.low[i] = series.low[order[i]];
      sorted.high[i] = series.high[order[i]];
    }
    series = std::move(sorted);
  }
  return all;
}

void legend_of(FigureCanvas& canvas, const std::vector<Series>& all, float x, float y) {
  std::vector<std::pair<std::string, Color>> entries;
  std::vector<float> dashes;
  for (const auto& series : all) {
    entries.emplace_back(series.label, series.color);
    dashes.push_back(series.dash);
  }
  legend(canvas, x, y, entries, dashes);
}

std::vector<Series> allocation_series(const StudyResults& results, const std::string& regime, AllocationField field) {
  std::vector<Series> all;
  for (const auto& objective : results.spec.objectives) {
    Series series{objective_label(objective), objective_color(objective), {}, {}, {}, 0};
    for (double rate : results.spec.noise_rates) {
      SeedAggregate a = aggregate_allocation(results, regime, rate, objective, field);
      series.mean.push_back(a.seeds ? a.mean : kMissing);
      series.low.push_back(a.seeds ? a.min : kMissing);
      series.high.push_back(a.seeds ? a.max : kMissing);
    }
    all.push_back(std::move(series));
  }
  return follow_sorted_rates(results, std::move(all));
}

// One part of a stacked bar: its legend label, colour, and its seed-mean share for an objective.
struct BarPart {
  std::string label;
  Color color;
  std::function<SeedAggregate(const std::string& objective)> share;
};

// Stacked bars per objective, parts bottom-up, on a 0..1 scale, with a legend of the parts.
void stacked_bars(FigureCanvas& canvas, Rect panel, const std::string& title, const std::vector<std::string>& objectives,
                  const std::vector<BarPart>& parts) {
  canvas.text(panel.x0 + 4, panel.y0 + 16, title, kTitleSize, kInk);
  Rect plot{panel.x0 + 52, panel.y0 + 30, panel.x1 - 12, panel.y1 - 44};
  Axes axes(canvas, plot, 0, 1, 0, 1);
  axes.draw_frame({}, "");
  const float slot = (plot.x1 - plot.x0) / static_cast<float>(objectives.size());
  for (size_t i = 0; i < objectives.size(); ++i) {
    const float left = plot.x0 + slot * (i + 0.2f), right = plot.x0 + slot * (i + 0.8f);
    double base = 0;
    for (const BarPart& part : parts) {
      const SeedAggregate a = part.share(objectives[i]);
      if (a.seeds == 0) continue;
      canvas.fill_rect(left, axes.at(0, base + a.mean).y, right, axes.at(0, base).y, part.color);
      base += a.mean;
    }
    canvas.text((left + right) / 2, plot.y1 + 18, objective_label(objectives[i]), kLabelSize, kInk, Align::center);
  }
  std::vector<std::pair<std::string, Color>> entries;
  for (const BarPart& part : parts) entries.emplace_back(part.label, part.color);
  legend(canvas, plot.x0, panel.y1 - 8, entries);
}

// The full split (true positives, false positives, negatives) of mass or gradient at one noise rate.
std::vector<BarPart> truth_parts(const StudyResults& results, const std::string& regime, double rate, bool gradient) {
  const AllocationField fields[2][3] = {
      {AllocationField::true_mass, AllocationField::false_mass, AllocationField::negative_mass},
      {AllocationField::true_gradient, AllocationField::false_gradient, AllocationField::negative_gradient}};
  const char* labels[3] = {"true positives", "false positives", "negatives"};
  const Color colors[3] = {{60, 160, 90, 255}, {214, 69, 65, 255}, {170, 172, 182, 255}};
  std::vector<BarPart> parts;
  for (int part = 0; part < 3; ++part) {
    const AllocationField field = fields[gradient][part];
    parts.push_back({labels[part], colors[part], [&results, regime, rate, field](const std::string& objective) {
                       return aggregate_allocation(results, regime, rate, objective, field);
                     }});
  }
  return parts;
}

// The positives' share by relevance grade (highest grade at the bottom); what is left above the
// bars went to negatives.
std::vector<BarPart> grade_parts(const StudyResults& results, const std::string& regime, double rate, bool gradient,
                                 const std::vector<double>& grades) {
  std::vector<BarPart> parts;
  for (size_t g = 0; g < grades.size(); ++g) {
    const double grade = grades[g];
    parts.push_back({"grade " + format_grade(grade), grade_color(g, grades.size()),
                     [&results, regime, rate, grade, gradient](const std::string& objective) {
                       return aggregate_grade_allocation(results, regime, rate, objective, grade, gradient);
                     }});
  }
  return parts;
}

}  // namespace

Color grade_color(size_t rank, size_t grades) {
  // Highest grade darkest: one blue hue from deep to pale, so the order reads without a legend.
  const float t = grades > 1 ? static_cast<float>(rank) / static_cast<float>(grades - 1) : 0.0f;
  auto mix = [t](float from, float to) { return static_cast<uint8_t>(from + (to - from) * t + 0.5f); };
  return {mix(8, 158), mix(69, 202), mix(148, 225), 255};
}

Color objective_color(const std::string& objective) {
  if (const auto* traits = objectives::find_objective(objective)) return {traits->color.r, traits->color.g, traits->color.b, 255};
  // The baselines a study reports beside the objectives.
  if (objective == kBm25Baseline) return {60, 60, 60, 255};
  if (objective == kUntrainedBaseline) return {150, 110, 190, 255};
  const uint32_t hash = static_cast<uint32_t>(std::hash<std::string>{}(objective));
  return {static_cast<uint8_t>(60 + hash % 150), static_cast<uint8_t>(60 + (hash >> 8) % 150),
          static_cast<uint8_t>(60 + (hash >> 16) % 150), 255};
}

FigureCanvas metric_figure(const StudyResults& results, const std::string& regime) {
  const auto& metrics = study_metrics();
  const int panel_width = 400, panel_height = 330;
  FigureCanvas canvas(panel_width * static_cast<int>(metrics.size()), panel_height + 70);
  canvas.text(12, 24, "Label regime " + regime + ": " + results.spec.split + " metrics against noise (seed mean, band = min-max over " +
                          std::to_string(results.spec.seeds.size()) + " seeds)", 16, kInk);
  const auto rates = sorted_rates(results);
  std::vector<Series> last;
  for (size_t m = 0; m < metrics.size(); ++m) {
    Rect panel{static_cast<float>(m * panel_width), 36, static_cast<float>((m + 1) * panel_width), 36.0f + panel_height};
    last = follow_sorted_rates(results, metric_series(results, regime, metrics[m]));
    line_panel(canvas, panel, metric_label(metrics[m]), rates, last);
  }
  legend_of(canvas, last, 60, static_cast<float>(canvas.height() - 14));
  return canvas;
}

FigureCanvas allocation_figure(const StudyResults& results, const std::string& regime) {
  const int panel_width = 420, panel_height = 320;
  const std::vector<double> grades = allocation_grades(results);  // a third row when there are several
  const int rows = grades.empty() ? 2 : 3;
  FigureCanvas canvas(panel_width * 2, panel_height * rows + 10 * (rows - 2) + 90);
  const auto rates = sorted_rates(results);
  const double noisiest = rates.back();
  canvas.text(12, 24, "Label regime " + regime + ": where probability mass and gradient go at the end of training (probe queries)",
              16, kInk);
  auto mass = allocation_series(results, regime, AllocationField::false_mass);
  auto gradient = allocation_series(results, regime, AllocationField::false_gradient);
  line_panel(canvas, {0, 36, static_cast<float>(panel_width), 36.0f + panel_height}, "Probability mass on false positives",
             rates, mass);
  line_panel(canvas, {static_cast<float>(panel_width), 36, 2.0f * panel_width, 36.0f + panel_height},
             "Gradient share on false positives", rates, gradient);
  const float second_row = 36.0f + panel_height + 10;
  const auto& objectives = results.spec.objectives;
  stacked_bars(canvas, {0, second_row, static_cast<float>(panel_width), second_row + panel_height},
               "Mass split at noise " + format_rate(noisiest), objectives, truth_parts(results, regime, noisiest, false));
  stacked_bars(canvas, {static_cast<float>(panel_width), second_row, 2.0f * panel_width, second_row + panel_height},
               "Gradient split at noise " + format_rate(noisiest), objectives, truth_parts(results, regime, noisiest, true));
  if (!grades.empty()) {
    const float third_row = second_row + panel_height + 10;
    stacked_bars(canvas, {0, third_row, static_cast<float>(panel_width), third_row + panel_height},
                 "Mass on positives by grade, noise " + format_rate(noisiest), objectives,
                 grade_parts(results, regime, noisiest, false, grades));
    stacked_bars(canvas, {static_cast<float>(panel_width), third_row, 2.0f * panel_width, third_row + panel_height},
                 "Gradient share by grade, noise " + format_rate(noisiest), objectives,
                 grade_parts(results, regime, noisiest, true, grades));
  }
  legend_of(canvas, mass, 60, static_cast<float>(canvas.height() - 14));
  return canvas;
}

}  // namespace multipos::study
