// View models of the probability-mass and gradient-allocation views: per run, the diagnostic
// series (diag/... in-batch or probe/...) aligned on common steps and stacked into bands that
// sum to P+ (mass) or to 1 (gradient shares), plus overlay lines and the y scale shared by every
// run's small multiple. No ImGui here, so the arithmetic is unit-tested; UI thread only (it reads
// the RunViewModel), pure otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

// Where the figures come from: the training batch every step, or the probe every K steps (all
// positives scored, the same negatives for every objective: the fair comparison).
enum class DiagnosticSource { in_batch, probe };
const char* source_prefix(DiagnosticSource source);  // "diag/" or "probe/"

// How the positives' part of the stack is split.
enum class PositiveSplit { by_rank, by_label_source, by_truth, by_grade };
// "rank", "source", "truth", "grade" (the studio's settings file); parse_split is false otherwise.
const char* split_token(PositiveSplit split);
bool parse_split(const std::string& token, PositiveSplit& split);

enum class BandKind {
  positive_rank,      // index = rank (1 = highest-scored positive)
  positive_rest,      // positives beyond the recorded ranks, or not covered by the split
  label_source,       // index = position of the source in the sources list
  grade,              // index = position of the grade in the grades list (highest grade first)
  true_positive,
  false_positive,
  hard_negatives,     // the query's own hard negatives (gradient view)
  inbatch_negatives,  // other queries' passages (gradient view)
  negatives,          // everything that is not a positive: 1 - P+ (mass view), drawn faint
};

struct Band {
  BandKind kind = BandKind::negatives;
  int index = 0;
  std::string label;        // legend text
  std::string series_name;  // the series behind the band, for tooltips ("" when derived)
  std::vector<double> lower, upper;  // parallel to StackedChart::steps, lower <= upper
};

enum class LineKind { positive_mass, entropy, pushed_down_share, pushed_down_mass, false_positive };

struct Line {
  LineKind kind = LineKind::positive_mass;
  std::string label, series_name;
  std::vector<double> values;   // drawn, parallel to steps
  std::vector<double> readout;  // printed at the cursor when it differs (a raw count); else empty
};

// One run's small multiple.
struct StackedChart {
  int64_t run_id = 0;
  std::string title;           // the objective, as the view is about objectives
  std::vector<double> steps;   // steps where every series used has a point
  std::vector<Band> bands;     // bottom to top
  std::vector<Line> lines;
  std::string empty_reason;    // set when steps is empty
  bool empty() const { return steps.empty(); }
};

struct StackOptions {
  DiagnosticSource source = DiagnosticSource::probe;
  PositiveSplit split = PositiveSplit::by_rank;
  bool show_negatives = true;  // mass view: the faint band from P+ up to 1
  // Mass view: divide every positive band by P+ (the within-positive shares pi_r, stacked to 1),
  // which shows how the objective splits mass among positives whatever P+ is. No negative band
  // and no P+ line then.
  bool within_positives = false;
  // by_label_source: the sources to stack, in this order (band index = position here, so colors
  // agree across runs); empty = the run's own sources.
  std::vector<std::string> sources;
  // by_grade: the grades to stack, highest first as named in the series ("3", "2", "1"); empty =
  // the run's own grades. The highest grade sits at the bottom of the positives' stack.
  std::vector<std::string> grades;
};

// Probability mass by positive rank (or source, or truth) stacked up to P+, then 1 - P+.
StackedChart build_mass_chart(const RunViewModel& model, int64_t run_id, const StackOptions& options);
// Shares of sum |dL/ds|: positives (split as asked), own hard negatives, in-batch negatives.
StackedChart build_gradient_chart(const RunViewModel& model, int64_t run_id,
                                  const StackOptions& options);

// Steps present in every non-null series (the intersection), and each series' value there; a
// series with duplicated steps (a resumed run) contributes its last value. Null series are
// skipped: their value vectors stay empty.
struct AlignedSeries {
  std::vector<double> steps;
  std::vector<std::vector<double>> values;  // parallel to the input
};
AlignedSeries align_series(const std::vector<const SeriesData*>& series);

struct ValueRange {
  double min = 0, max = 1;
};
// One y scale for every chart, so the small multiples compare by height: from 0 to the highest
// band top or line value, rounded up to a multiple of `round_to` (at least `round_to`), at most 1
// unless a line goes above it.
ValueRange shared_y_range(const std::vector<StackedChart>& charts, double round_to = 0.05);
// Union of the charts' step ranges.
ValueRange shared_step_range(const std::vector<StackedChart>& charts);

// Which controls make sense for these runs.
bool any_run_has_series(const RunViewModel& model, const std::vector<int64_t>& run_ids,
                        const std::string& name);
// Grades ("3", "2", "1") named by <prefix>mass_grade_* series of these runs, highest first.
std::vector<std::string> relevance_grades(const RunViewModel& model, const std::vector<int64_t>& run_ids,
                                          DiagnosticSource source);
// Label sources ("human", "llm", ...) named by <prefix>mass_source_* series of these runs, sorted.
std::vector<std::string> label_sources(const RunViewModel& model,
                                       const std::vector<int64_t>& run_ids,
                                       DiagnosticSource source);

}  // namespace multipos::ui
