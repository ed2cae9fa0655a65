#include "ui/models/diagnostic_stacks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

namespace multipos::ui {

namespace {

// Ranks are recorded as <prefix>mass_rank1.. up to max_rank (4 by default); look a little further.
constexpr int kMaxRankScanned = 16;
// Below this a derived remainder band is rounding noise, not worth a legend entry.
constexpr double kNegligible = 1e-4;

std::string run_title(const RunViewModel& model, int64_t run_id) {
  const store::RunRecord* run = model.find_run(run_id);
  if (!run) return "#" + std::to_string(run_id);
  return (run->objective.empty() ? run->name : run->objective) + "  #" + std::to_string(run_id);
}

// Value at the last point whose step equals `step`, or NaN.
double value_at(const SeriesData& series, double step) {
  const auto end = std::upper_bound(series.steps.begin(), series.steps.end(), step);
  if (end == series.steps.begin() || *(end - 1) != step) return std::numeric_limits<double>::quiet_NaN();
  return series.values[static_cast<std::size_t>(end - series.steps.begin() - 1)];
}

// Collects series, aligns them, and hands out aligned values by slot.
class SeriesSet {
 public:
  SeriesSet(const RunViewModel& model, int64_t run_id, std::string prefix)
      : model_(model), run_id_(run_id), prefix_(std::move(prefix)) {}

  // Registers `<prefix><suffix>`; returns its slot, or -1 when the run has no such series.
  int add(const std::string& suffix) {
    const SeriesData* series = model_.series(run_id_, prefix_ + suffix);
    if (!series || series->steps.empty()) return -1;
    names_.push_back(prefix_ + suffix);
    series_.push_back(series);
    return static_cast<int>(series_.size()) - 1;
  }
  void align() { aligned_ = align_series(series_); }
  const std::vector<double>& steps() const { return aligned_.steps; }
  const std::vector<double>& values(int slot) const { return aligned_.values[static_cast<std::size_t>(slot)]; }
  const std::string& name(int slot) const { return names_[static_cast<std::size_t>(slot)]; }
  const std::string& prefix() const { return prefix_; }
  bool any_nonzero(int slot) const {
    if (slot < 0) return false;
    const auto& v = values(slot);
    return std::any_of(v.begin(), v.end(), [](double x) { return std::fabs(x) > kNegligible; });
  }

 private:
  const RunViewModel& model_;
  int64_t run_id_;
  std::string prefix_;
  std::vector<std::string> names_;
  std::vector<const SeriesData*> series_;
  AlignedSeries aligned_;
};

// Stacks parts (each a vector parallel to steps) from `base` upwards, each clipped so the stack
// never exceeds `total`: per-rank figures are averaged over different sets of queries (those with
// at least r positives), so their sum can overshoot P+ by a little; clipping keeps the invariant
// that the positive bands end exactly at the total.
class Stacker {
 public:
  Stacker(std::size_t count, StackedChart& chart) : top_(count, 0.0), chart_(chart) {}

  void push(BandKind kind, int index, std::string label, std::string series_name,
            const std::vector<double>& thickness, const std::vector<double>* total = nullptr) {
    Band band{kind, index, std::move(label), std::move(series_name), top_, top_};
    bool visible = false;
    for (std::size_t i = 0; i < top_.size(); ++i) {
      double upper = top_[i] + std::max(0.0, thickness[i]);
      if (total) upper = std::min(upper, std::max(top_[i], (*total)[i]));
      band.upper[i] = upper;
      visible = visible || upper - top_[i] > kNegligible;
      top_[i] = upper;
    }
    // A band that is zero everywhere (in-batch negatives on the probe, rank 2 of a one-positive
    // batch) would only add a legend entry for nothing; the stack height is kept all the same.
    if (visible) chart_.bands.push_back(std::move(band));
  }
  // The band from the current top up to `total`, when it is thicker than rounding noise anywhere.
  void fill_to(BandKind kind, std::string label, const std::vector<double>& total,
               std::string series_name = "") {
    std::vector<double> thickness(top_.size());
    bool visible = false;
    for (std::size_t i = 0; i < top_.size(); ++i) {
      thickness[i] = std::max(0.0, total[i] - top_[i]);
      visible = visible || thickness[i] > kNegligible;
    }
    if (visible) push(kind, 0, std::move(label), std::move(series_name), thickness);
  }
  const std::vector<double>& top() const { return top_; }

 private:
  std::vector<double> top_;
  StackedChart& chart_;
};

std::vector<double> product(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] * b[i];
  return out;
}

std::vector<std::string> run_sources(const RunViewModel& model, int64_t run_id,
                                     const std::string& prefix) {
  const std::string stem = prefix + "mass_source_";
  std::vector<std::string> sources;
  for (const auto& name : model.series_names({run_id})) {
    if (name.rfind(stem, 0) == 0 && name.size() > stem.size()) sources.push_back(name.substr(stem.size()));
  }
  std::sort(sources.begin(), sources.end());
  return sources;
}

// Grades named by <prefix>mass_grade_<g> series, highest first (compared as numbers).
std::vector<std::string> run_grades(const RunViewModel& model, int64_t run_id, const std::string& prefix) {
  const std::string stem = prefix + "mass_grade_";
  std::vector<std::string> grades;
  for (const auto& name : model.series_names({run_id})) {
    if (name.rfind(stem, 0) == 0 && name.size() > stem.size()) grades.push_back(name.substr(stem.size()));
  }
  std::sort(grades.begin(), grades.end(),
            [](const std::string& a, const std::string& b) { return std::atof(a.c_str()) > std::atof(b.c_str()); });
  return grades;
}

// The positives' share of the stack, split as asked. `part_stem` is "mass_" or "grad_share_";
// `scale` multiplies within-positive shares (grad_share_rank<r> are shares of the positives' part).
struct PositiveParts {
  std::vector<int> slots;  // per part, the series slot
  std::vector<BandKind> kinds;
  std::vector<int> indices;
  std::vector<std::string> labels;
};

PositiveParts positive_parts(SeriesSet& set, const RunViewModel& model, int64_t run_id,
                             const StackOptions& options, const std::string& rank_stem,
                             const std::string& source_stem, const std::string& grade_stem,
                             const std::string& false_name) {
  PositiveParts parts;
  auto add = [&](int slot, BandKind kind, int index, std::string label) {
    if (slot < 0) return;
    parts.slots.push_back(slot);
    parts.kinds.push_back(kind);
    parts.indices.push_back(index);
    parts.labels.push_back(std::move(label));
  };
  switch (options.split) {
    case PositiveSplit::by_rank:
      for (int rank = 1; rank <= kMaxRankScanned; ++rank) {
        add(set.add(rank_stem + std::to_string(rank)), BandKind::positive_rank, rank,
            "positive rank " + std::to_string(rank));
      }
      break;
    case PositiveSplit::by_label_source: {
      const auto sources =
          options.sources.empty() ? run_sources(model, run_id, set.prefix()) : options.sources;
      for (std::size_t i = 0; i < sources.size(); ++i) {
        add(set.add(source_stem + sources[i]), BandKind::label_source, static_cast<int>(i),
            sources[i] + " positives");
      }
      break;
    }
    case PositiveSplit::by_truth:
      add(set.add(false_name), BandKind::false_positive, 0, "false positives");
      break;
    case PositiveSplit::by_grade: {
      const auto grades = options.grades.empty() ? run_grades(model, run_id, set.prefix()) : options.grades;
      for (std::size_t i = 0; i < grades.size(); ++i) {
        add(set.add(grade_stem + grades[i]), BandKind::grade, static_cast<int>(i), "grade " + grades[i] + " positives");
      }
      break;
    }
  }
  return parts;
}

// Legend text of the positives not covered by the split's own bands.
std::string rest_label(const StackOptions& options, const PositiveParts& parts) {
  if (options.split != PositiveSplit::by_rank) return "other positives";
  if (parts.indices.empty()) return "positives";
  return "positive rank " + std::to_string(parts.indices.back() + 1) + "+";
}

}  // namespace

const char* split_token(PositiveSplit split) {
  switch (split) {
    case PositiveSplit::by_rank: return "rank";
    case PositiveSplit::by_label_source: return "source";
    case PositiveSplit::by_truth: return "truth";
    case PositiveSplit::by_grade: return "grade";
  }
  return "rank";
}

bool parse_split(const std::string& token, PositiveSplit& split) {
  for (PositiveSplit candidate : {PositiveSplit::by_rank, PositiveSplit::by_label_source, PositiveSplit::by_truth,
                                  PositiveSplit::by_grade})
    if (token == split_token(candidate)) {
      split = candidate;
      return true;
    }
  return false;
}

const char* source_prefix(DiagnosticSource source) {
  return source == DiagnosticSource::probe ? "probe/" : "diag/";
}

AlignedSeries align_series(const std::vector<const SeriesData*>& series) {
  AlignedSeries aligned;
  aligned.values.resize(series.size());
  const SeriesData* shortest = nullptr;
  for (const SeriesData* s : series) {
    if (s && (!shortest || s->steps.size() < shortest->steps.size())) shortest = s;
  }
  if (!shortest) return aligned;
  // Walk the shortest series' steps: a step missing from any series (a poll that stopped halfway
  // through a step's rows, a series that started later) is left out rather than drawn as zero.
  for (std::size_t i = 0; i < shortest->steps.size(); ++i) {
    const double step = shortest->steps[i];
    if (i + 1 < shortest->steps.size() && shortest->steps[i + 1] == step) continue;  // keep the last
    bool everywhere = true;
    for (const SeriesData* s : series) {
      if (s && std::isnan(value_at(*s, step))) {
        everywhere = false;
        break;
      }
    }
    if (!everywhere) continue;
    aligned.steps.push_back(step);
    for (std::size_t k = 0; k < series.size(); ++k) {
      if (series[k]) aligned.values[k].push_back(value_at(*series[k], step));
    }
  }
  return aligned;
}

StackedChart build_mass_chart(const RunViewModel& model, int64_t run_id, const StackOptions& options) {
  StackedChart chart;
  chart.run_id = run_id;
  chart.title = run_title(model, run_id);
  SeriesSet set(model, run_id, source_prefix(options.source));
  const int total_slot = set.add("pos_mass");
  if (total_slot < 0) {
    chart.empty_reason = "no " + std::string(source_prefix(options.source)) + "pos_mass yet";
    return chart;
  }
  const PositiveParts parts = positive_parts(set, model, run_id, options, "mass_rank", "mass_source_",
                                             "mass_grade_", "mass_false_pos");
  const int entropy_slot = set.add("entropy_norm");
  set.align();
  chart.steps = set.steps();
  if (chart.steps.empty()) {
    chart.empty_reason = "no step has every series yet";
    return chart;
  }
  const std::vector<double>& total = set.values(total_slot);
  Stacker stack(chart.steps.size(), chart);
  if (options.split == PositiveSplit::by_truth) {
    // True positives at the bottom (the mass we want), false ones on top of them.
    std::vector<double> true_mass = total;
    if (!parts.slots.empty()) {
      const auto& false_mass = set.values(parts.slots[0]);
      for (std::size_t i = 0; i < true_mass.size(); ++i) true_mass[i] = std::max(0.0, total[i] - false_mass[i]);
    }
    stack.push(BandKind::true_positive, 0, "true positives", "", true_mass, &total);
  }
  for (std::size_t p = 0; p < parts.slots.size(); ++p) {
    stack.push(parts.kinds[p], parts.indices[p], parts.labels[p], set.name(parts.slots[p]),
               set.values(parts.slots[p]), &total);
  }
  stack.fill_to(BandKind::positive_rest, rest_label(options, parts), total);
  if (options.within_positives) {
    for (auto& band : chart.bands) {
      for (std::size_t i = 0; i < total.size(); ++i) {
        const double scale = total[i] > 0 ? 1.0 / total[i] : 0.0;
        band.lower[i] *= scale;
        band.upper[i] *= scale;
      }
    }
    if (entropy_slot >= 0) {
      chart.lines.push_back({LineKind::entropy, "normalized entropy among positives",
                             set.name(entropy_slot), set.values(entropy_slot), {}});
    }
    return chart;
  }
  if (options.show_negatives) {
    stack.fill_to(BandKind::negatives, "negatives (1 - P+)", std::vector<double>(total.size(), 1.0));
  }
  chart.lines.push_back({LineKind::positive_mass, "P+ (positive mass)", set.name(total_slot), total, {}});
  if (entropy_slot >= 0) {
    chart.lines.push_back({LineKind::entropy, "normalized entropy among positives",
                           set.name(entropy_slot), set.values(entropy_slot), {}});
  }
  return chart;
}

StackedChart build_gradient_chart(const RunViewModel& model, int64_t run_id,
                                  const StackOptions& options) {
  StackedChart chart;
  chart.run_id = run_id;
  chart.title = run_title(model, run_id);
  SeriesSet set(model, run_id, source_prefix(options.source));
  const int positive_slot = set.add("grad_share_pos");
  if (positive_slot < 0) {
    chart.empty_reason = "no " + std::string(source_prefix(options.source)) + "grad_share_pos yet";
    return chart;
  }
  const PositiveParts parts = positive_parts(set, model, run_id, options, "grad_share_rank",
                                             "grad_share_source_", "grad_share_grade_", "grad_share_false_pos");
  const int hard_slot = set.add("grad_share_hardneg");
  const int inbatch_slot = set.add("grad_share_inbatch");
  const int pushed_count_slot = set.add("pushed_down_count");
  const int pushed_mass_slot = set.add("pushed_down_mass");
  const int positives_slot = set.add("positives_per_query");
  const int false_slot = options.split == PositiveSplit::by_truth ? -1 : set.add("grad_share_false_pos");
  set.align();
  chart.steps = set.steps();
  if (chart.steps.empty()) {
    chart.empty_reason = "no step has every series yet";
    return chart;
  }
  const std::vector<double>& positive_share = set.values(positive_slot);
  Stacker stack(chart.steps.size(), chart);
  if (options.split == PositiveSplit::by_truth) {
    std::vector<double> true_share = positive_share;
    if (!parts.slots.empty()) {
      const auto& false_share = set.values(parts.slots[0]);
      for (std::size_t i = 0; i < true_share.size(); ++i) true_share[i] = std::max(0.0, positive_share[i] - false_share[i]);
    }
    stack.push(BandKind::true_positive, 0, "true positives", "", true_share, &positive_share);
  }
  for (std::size_t p = 0; p < parts.slots.size(); ++p) {
    // Rank shares are shares of the positives' gradient: scale them to shares of the total.
    const bool within_positives = parts.kinds[p] == BandKind::positive_rank;
    const auto& values = set.values(parts.slots[p]);
    stack.push(parts.kinds[p], parts.indices[p], parts.labels[p], set.name(parts.slots[p]),
               within_positives ? product(values, positive_share) : values, &positive_share);
  }
  stack.fill_to(BandKind::positive_rest, rest_label(options, parts), positive_share,
                parts.slots.empty() ? set.name(positive_slot) : "");
  if (hard_slot >= 0) {
    stack.push(BandKind::hard_negatives, 0, "own hard negatives", set.name(hard_slot), set.values(hard_slot));
  }
  if (inbatch_slot >= 0) {
    stack.push(BandKind::inbatch_negatives, 0, "in-batch negatives", set.name(inbatch_slot),
               set.values(inbatch_slot));
  }
  if (hard_slot < 0 && inbatch_slot < 0) {
    stack.fill_to(BandKind::negatives, "negatives", std::vector<double>(positive_share.size(), 1.0));
  }
  if (set.any_nonzero(pushed_count_slot)) {
    // The count is drawn as a share of the query's positives so it fits the 0..1 axis; the
    // cursor readout prints the count itself.
    Line line{LineKind::pushed_down_share, "positives pushed down (count / m)",
              set.name(pushed_count_slot), set.values(pushed_count_slot), set.values(pushed_count_slot)};
    if (positives_slot >= 0) {
      const auto& m = set.values(positives_slot);
      for (std::size_t i = 0; i < line.values.size(); ++i) line.values[i] = m[i] > 0 ? line.values[i] / m[i] : 0.0;
    }
    chart.lines.push_back(std::move(line));
  }
  if (set.any_nonzero(pushed_mass_slot)) {
    chart.lines.push_back({LineKind::pushed_down_mass, "mass of pushed-down positives",
                           set.name(pushed_mass_slot), set.values(pushed_mass_slot), {}});
  }
  if (set.any_nonzero(false_slot)) {
    chart.lines.push_back({LineKind::false_positive, "gradient share to false positives",
                           set.name(false_slot), set.values(false_slot), {}});
  }
  return chart;
}

ValueRange shared_y_range(const std::vector<StackedChart>& charts, double round_to) {
  double top = 0;
  for (const auto& chart : charts) {
    for (const auto& band : chart.bands) {
      for (double v : band.upper) top = std::max(top, v);
    }
    for (const auto& line : chart.lines) {
      for (double v : line.values) {
        if (std::isfinite(v)) top = std::max(top, v);
      }
    }
  }
  // A float sum of shares can land a hair above 1; do not round 1.0000001 up to 1.05.
  if (top > 1.0 && top < 1.0 + 1e-6) top = 1.0;
  double rounded = std::ceil(top / round_to - 1e-9) * round_to;
  return {0.0, std::max(round_to, rounded)};
}

ValueRange shared_step_range(const std::vector<StackedChart>& charts) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& chart : charts) {
    if (chart.steps.empty()) continue;
    lo = std::min(lo, chart.steps.front());
    hi = std::max(hi, chart.steps.back());
  }
  if (lo > hi) return {0.0, 1.0};
  if (hi == lo) return {lo - 0.5, hi + 0.5};
  return {lo, hi};
}

bool any_run_has_series(const RunViewModel& model, const std::vector<int64_t>& run_ids,
                        const std::string& name) {
  return std::any_of(run_ids.begin(), run_ids.end(), [&](int64_t id) {
    const SeriesData* series = model.series(id, name);
    return series && !series->steps.empty();
  });
}

std::vector<std::string> relevance_grades(const RunViewModel& model, const std::vector<int64_t>& run_ids,
                                          DiagnosticSource source) {
  std::vector<std::string> all;
  for (int64_t id : run_ids)
    for (auto& grade : run_grades(model, id, source_prefix(source)))
      if (std::find(all.begin(), all.end(), grade) == all.end()) all.push_back(std::move(grade));
  std::sort(all.begin(), all.end(),
            [](const std::string& a, const std::string& b) { return std::atof(a.c_str()) > std::atof(b.c_str()); });
  return all;
}

std::vector<std::string> label_sources(const RunViewModel& model,
                                       const std::vector<int64_t>& run_ids,
                                       DiagnosticSource source) {
  std::set<std::string> all;
  for (int64_t id : run_ids) {
    for (auto& name : run_sources(model, id, source_prefix(source))) all.insert(std::move(name));
  }
  return {all.begin(), all.end()};
}

}  // namespace multipos::ui
