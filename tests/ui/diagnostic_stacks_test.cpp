// The stacked bands of the probability-mass and gradient-allocation views: step alignment,
// missing series, bands summing to P+ (mass) and to 1 (gradient), splits, the shared y scale,
// column averaging, and the tooltip sentences.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/ui/diagnostic_store_support.hpp"
#include "ui/models/diagnostic_stacks.hpp"
#include "ui/plot/column_average.hpp"
#include "ui/models/series_descriptions.hpp"

using multipos::ui::BandKind;
using multipos::ui::DiagnosticSource;
using multipos::ui::LineKind;
using multipos::ui::PositiveSplit;
using multipos::ui::RunViewModel;
using multipos::ui::SeriesData;
using multipos::ui::StackedChart;
using multipos::ui::StackOptions;
using multipos::ui::testing::PointFeeder;

namespace {

const double kTolerance = 1e-12;

// The top of the last band of one of these kinds, per step.
std::vector<double> top_of(const StackedChart& chart, std::initializer_list<BandKind> kinds) {
  std::vector<double> top(chart.steps.size(), 0.0);
  for (const auto& band : chart.bands) {
    for (BandKind kind : kinds) {
      if (band.kind == kind) top = band.upper;
    }
  }
  return top;
}

void expect_contiguous(const StackedChart& chart) {
  for (std::size_t b = 0; b < chart.bands.size(); ++b) {
    for (std::size_t i = 0; i < chart.steps.size(); ++i) {
      EXPECT_LE(chart.bands[b].lower[i], chart.bands[b].upper[i] + kTolerance);
      if (b > 0) {
        EXPECT_NEAR(chart.bands[b].lower[i], chart.bands[b - 1].upper[i], kTolerance);
      }
    }
  }
  if (!chart.bands.empty()) {
    for (double v : chart.bands.front().lower) EXPECT_EQ(v, 0.0);
  }
}

StackOptions in_batch(PositiveSplit split = PositiveSplit::by_rank) {
  StackOptions options;
  options.source = DiagnosticSource::in_batch;
  options.split = split;
  return options;
}

}  // namespace

TEST(AlignSeries, KeepsStepsPresentEverywhereAndTheLastDuplicate) {
  SeriesData a{{0, 1, 2, 3}, {10, 11, 12, 13}, {}};
  SeriesData b{{1, 2, 2, 3, 4}, {21, 22, 99, 23, 24}, {}};  // step 2 rewritten by a resumed run
  const auto aligned = multipos::ui::align_series({&a, nullptr, &b});
  EXPECT_EQ(aligned.steps, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(aligned.values[0], (std::vector<double>{11, 12, 13}));
  EXPECT_TRUE(aligned.values[1].empty());
  EXPECT_EQ(aligned.values[2], (std::vector<double>{21, 99, 23}));
  EXPECT_TRUE(multipos::ui::align_series({nullptr}).steps.empty());
}

TEST(MassChart, RankBandsSumToPositiveMassAndNegativesFillToOne) {
  RunViewModel model;
  PointFeeder feed(model);
  feed.add(1, "diag/pos_mass", {0.5, 0.8, 0.9});
  feed.add(1, "diag/mass_rank1", {0.3, 0.4, 0.5});
  feed.add(1, "diag/mass_rank2", {0.1, 0.2, 0.2});
  feed.add(1, "diag/mass_rank3", {0.05, 0.1, 0.1});  // ranks 1..3 leave 0.05, 0.1, 0.1 to ranks 4+
  feed.add(1, "diag/entropy_norm", {0.2, 0.5, 0.6});
  const StackedChart chart = multipos::ui::build_mass_chart(model, 1, in_batch());
  ASSERT_EQ(chart.steps.size(), 3u);
  expect_contiguous(chart);
  ASSERT_EQ(chart.bands.size(), 5u);  // rank 1, 2, 3, rank 4+, negatives
  EXPECT_EQ(chart.bands[3].kind, BandKind::positive_rest);
  EXPECT_EQ(chart.bands[3].label, "positive rank 4+");
  const auto positive_top = top_of(chart, {BandKind::positive_rank, BandKind::positive_rest});
  EXPECT_NEAR(positive_top[0], 0.5, kTolerance);
  EXPECT_NEAR(positive_top[2], 0.9, kTolerance);
  EXPECT_EQ(chart.bands.back().kind, BandKind::negatives);
  for (double v : chart.bands.back().upper) EXPECT_NEAR(v, 1.0, kTolerance);
  ASSERT_EQ(chart.lines.size(), 2u);
  EXPECT_EQ(chart.lines[0].kind, LineKind::positive_mass);
  EXPECT_EQ(chart.lines[1].kind, LineKind::entropy);
  EXPECT_EQ(chart.lines[0].values, (std::vector<double>{0.5, 0.8, 0.9}));
}

TEST(MassChart, RankMassesAboveThePositiveMassAreClippedToIt) {
  // Rank r is averaged over queries with >= r positives: the sum may overshoot P+ a little.
  RunViewModel model;
  PointFeeder feed(model);
  feed.add(1, "diag/pos_mass", {0.6});
  feed.add(1, "diag/mass_rank1", {0.5});
  feed.add(1, "diag/mass_rank2", {0.2});
  const StackedChart chart = multipos::ui::build_mass_chart(model, 1, in_batch());
  expect_contiguous(chart);
  EXPECT_NEAR(top_of(chart, {BandKind::positive_rank})[0], 0.6, kTolerance);
  EXPECT_NEAR(chart.bands.back().upper[0], 1.0, kTolerance);
}

TEST(MassChart, SinglePositiveBatchesHaveOneRankAndNoRemainder) {
  // An infonce run's in-batch diagnostics: one positive per query, so P+ = mass of rank 1.
  RunViewModel model;
  PointFeeder feed(model);
  feed.add(1, "diag/pos_mass", {0.4, 0.7});
  feed.add(1, "diag/mass_rank1", {0.4, 0.7});
  StackOptions options = in_batch();
  options.show_negatives = false;
  const StackedChart chart = multipos::ui::build_mass_chart(model, 1, options);
  ASSERT_EQ(chart.bands.size(), 1u);
  EXPECT_EQ(chart.bands[0].kind, BandKind::positive_rank);
  EXPECT_EQ(chart.bands[0].series_name, "diag/mass_rank1");
  ASSERT_EQ(chart.lines.size(), 1u);  // no entropy series: no entropy line
}

TEST(MassChart, MissingPositiveMassGivesAnEmptyChartWithAReason) {
  RunViewModel model;
  PointFeeder feed(model);
  feed.add(1, "diag/mass_rank1", {0.4});
  const StackedChart chart = multipos::ui::build_mass_chart(model, 1, StackOptions{});  // probe
  EXPECT_TRUE(chart.empty());
  EXPECT_NE(chart.empty_reason.find("probe/pos_mass"), std::string::npos);
}

TEST(MassChart, StepsMissingFromOneSeriesAreLeftOut) {
  // A poll that stopped halfway through a step's rows: rank 2 has no point at step 2 yet.
  RunViewModel model;
  PointFeeder feed(model);
  feed.add(1, "diag/pos_mass", {0.5, 0.6, 0.7});
  feed.add(1, "diag/mass_rank1", {0.3, 0.3, 0.3});
  feed.add(1, "diag/mass_rank2", {0.2, 0.3});
  const StackedChart chart = multipos::ui::build_mass_chart(model, 1, in_batch());
  EXPECT_EQ(chart.steps, (std::vector<double>{0, 1}));
}

TEST(MassChart, SplitsBySourceAndByTruthStillSumToPositiveMass) {
  RunViewModel model;
  multipos::ui::testing::DiagnosticShape shape{"jointlh", 0.4, 1.0};
  std::vector<multipos::store::ScalarPoint> points;
  int64_t row_id = 0;
  for (int step = 0; step < 5; ++step) {
    for (const auto& row : multipos::ui::testing::diagnostic_rows("diag/", step, shape)) {
      points.push_back({++row_id, 1, row.name, row.step, 0.0, row.value});
    }
  }
  model.merge_points(points);
  const auto pos_mass = model.series(1, "diag/pos_mass")->values;

  StackOptions options = in_batch(PositiveSplit::by_label_source);
  options.sources = multipos::ui::label_sources(model, {1}, DiagnosticSource::in_batch);
  EXPECT_EQ(options.sources, (std::vector<std::string>{"human", "llm"}));
  StackedChart chart = multipos::ui::build_mass_chart(model, 1, options);
  expect_contiguous(chart);
  EXPECT_EQ(chart.bands[0].kind, BandKind::label_source);
  EXPECT_EQ(chart.bands[1].label, "llm positives");
  const auto source_top = top_of(chart, {BandKind::label_source, BandKind::positive_rest});
  for (std::size_t i = 0; i < pos_mass.size(); ++i) EXPECT_NEAR(source_top[i], pos_mass[i], kTolerance);

  chart = multipos::ui::build_mass_chart(model, 1, in_batch(PositiveSplit::by_truth));
  expect_contiguous(chart);
  ASSERT_GE(chart.bands.size(), 2u);
  EXPECT_EQ(chart.bands[0].kind, BandKind::true_positive);
  EXPECT_EQ(chart.bands[1].kind, BandKind::false_positive);
  EXPECT_NEAR(chart.bands[1].upper[0] - chart.bands[1].lower[0], 0.05, kTolerance);
  EXPECT_NEAR(chart.bands[1].upper[4], pos_mass[4], kTolerance);

  options = in_batch();
  options.within_positives = true;
  chart = multipos::ui::build_mass_chart(model, 1, options);
  expect_contiguous(chart);
  for (double v : top_of(chart, {BandKind::positive_rank, BandKind::positive_rest})) EXPECT_NEAR(v, 1.0, 1e-9);
  EXPECT_NEAR(chart.bands[0].upper[0], 0.4, 1e-9);  // the rank-1 share itself
  for (const auto& band : chart.bands) EXPECT_NE(band.kind, BandKind::negatives);
}

TEST(GradientChart, SharesStackToOneWithRanksScaledByThePositiveShare) {
  RunViewModel model;
  PointFeeder feed(model);
  feed.add(1, "probe/grad_share_pos", {0.6, 0.5});
  feed.add(1, "probe/grad_share_rank1", {0.5, 0.25});
  feed.add(1, "probe/grad_share_rank2", {0.5, 0.25});
  feed.add(1, "probe/grad_share_hardneg", {0.3, 0.5});
  feed.add(1, "probe/grad_share_inbatch", {0.1, 0.0});
  feed.add(1, "probe/pushed_down_count", {0.0, 2.0});
  feed.add(1, "probe/positives_per_query", {4.0, 4.0});
  feed.add(1, "probe/pushed_down_mass", {0.0, 0.0});
  const StackedChart chart = multipos::ui::build_gradient_chart(model, 1, StackOptions{});
  ASSERT_EQ(chart.steps.size(), 2u);
  expect_contiguous(chart);
  EXPECT_NEAR(chart.bands[0].upper[0], 0.3, kTolerance);  // 0.5 of the positives' 0.6
  EXPECT_NEAR(top_of(chart, {BandKind::positive_rank, BandKind::positive_rest})[1], 0.5, kTolerance);
  EXPECT_EQ(chart.bands.back().kind, BandKind::inbatch_negatives);
  EXPECT_NEAR(chart.bands.back().upper[0], 1.0, kTolerance);
  // Pushed-down count drawn as a share of m, read out as the count; the all-zero mass is left out.
  ASSERT_EQ(chart.lines.size(), 1u);
  EXPECT_EQ(chart.lines[0].kind, LineKind::pushed_down_share);
  EXPECT_NEAR(chart.lines[0].values[1], 0.5, kTolerance);
  EXPECT_NEAR(chart.lines[0].readout[1], 2.0, kTolerance);
}

TEST(GradientChart, RunsWithoutPushDownOrFalsePositivesDrawNoSuchLines) {
  RunViewModel model;
  PointFeeder feed(model);
  feed.add(1, "diag/grad_share_pos", {0.7});
  feed.add(1, "diag/grad_share_hardneg", {0.3});
  feed.add(1, "diag/pushed_down_count", {0.0});
  feed.add(1, "diag/grad_share_false_pos", {0.0});
  const StackedChart chart = multipos::ui::build_gradient_chart(model, 1, in_batch());
  EXPECT_TRUE(chart.lines.empty());
  ASSERT_EQ(chart.bands.size(), 2u);  // positives (no ranks recorded) and hard negatives
  EXPECT_EQ(chart.bands[0].kind, BandKind::positive_rest);
  EXPECT_EQ(chart.bands[0].series_name, "diag/grad_share_pos");
  EXPECT_NEAR(chart.bands[1].upper[0], 1.0, kTolerance);
}

TEST(SharedScale, OneYRangeForAllChartsRoundedUp) {
  StackedChart low, high;
  low.steps = {0, 10};
  low.bands.push_back({BandKind::positive_rank, 1, "", "", {0, 0}, {0.2, 0.31}});
  high.steps = {5, 40};
  high.bands.push_back({BandKind::positive_rank, 1, "", "", {0, 0}, {0.5, 0.62}});
  high.lines.push_back({LineKind::entropy, "", "", {0.1, 0.64}, {}});
  const auto y = multipos::ui::shared_y_range({low, high});
  EXPECT_DOUBLE_EQ(y.min, 0.0);
  EXPECT_NEAR(y.max, 0.65, 1e-12);
  const auto x = multipos::ui::shared_step_range({low, high});
  EXPECT_EQ(x.min, 0);
  EXPECT_EQ(x.max, 40);
  StackedChart full;
  full.steps = {0};
  full.bands.push_back({BandKind::negatives, 0, "", "", {0}, {1.0 + 1e-9}});
  EXPECT_NEAR(multipos::ui::shared_y_range({full}).max, 1.0, 1e-12);  // float noise is not 1.05
  EXPECT_NEAR(multipos::ui::shared_y_range({}).max, 0.05, 1e-12);
}

TEST(ColumnAverage, KeepsBandsStackedAndCopiesSparseData) {
  std::vector<double> xs, lower, upper;
  for (int i = 0; i < 1000; ++i) {
    xs.push_back(i);
    lower.push_back(std::sin(i * 0.1) * 0.2 + 0.3);
    upper.push_back(lower.back() + 0.1 + 0.05 * std::cos(i * 0.3));
  }
  std::vector<double> out_x;
  std::vector<std::vector<double>> out_y;
  multipos::ui::plot::average_by_column(xs.data(), xs.size(), {lower.data(), upper.data()}, 0, 999, 100,
                                        out_x, out_y);
  ASSERT_LE(out_x.size(), 102u);
  ASSERT_GE(out_x.size(), 99u);
  for (std::size_t i = 0; i < out_x.size(); ++i) {
    EXPECT_GE(out_y[1][i] - out_y[0][i], 0.05 - 1e-9);  // an average of thicknesses >= 0.05
    if (i > 0) {
      EXPECT_GT(out_x[i], out_x[i - 1]);
    }
  }
  multipos::ui::plot::average_by_column(xs.data(), 10, {lower.data()}, 0, 9, 100, out_x, out_y);
  EXPECT_EQ(out_x.size(), 10u);
  EXPECT_EQ(out_y[0][3], lower[3]);
}

TEST(SeriesDescriptions, DiagnosticAndProbeNamesGetTheEngineSentence) {
  const std::string diag = multipos::ui::series_description("diag/pos_mass");
  EXPECT_NE(diag.find("P+"), std::string::npos);
  const std::string probe = multipos::ui::series_description("probe/mass_rank2");
  EXPECT_NE(probe.find("ranked 2"), std::string::npos);
  EXPECT_NE(probe.find("probe set"), std::string::npos);
  EXPECT_EQ(multipos::ui::series_description("loss"), "");
  EXPECT_EQ(multipos::ui::series_description("probe/unknown_thing"), "");
  EXPECT_NE(multipos::ui::series_description("diag/grad_share_source_llm").find("llm"), std::string::npos);
}

// Issue #24: "by grade" stacks the grade bands highest grade first (grades compared as numbers)
// up to P+ in the mass view, and to the positives' share of the gradient in the gradient view.
TEST(MassChart, SplitByGradeStacksHighestGradeFirstUpToPositiveMass) {
  RunViewModel model;
  PointFeeder feed(model);
  feed.add(1, "diag/pos_mass", {0.8, 0.9});
  feed.add(1, "diag/mass_grade_10", {0.1, 0.2});
  feed.add(1, "diag/mass_grade_3", {0.3, 0.4});
  feed.add(1, "diag/mass_grade_1", {0.4, 0.2});
  feed.add(1, "diag/grad_share_pos", {0.5, 0.6});
  feed.add(1, "diag/grad_share_grade_10", {0.05, 0.1});
  feed.add(1, "diag/grad_share_grade_3", {0.15, 0.2});
  feed.add(1, "diag/grad_share_grade_1", {0.3, 0.3});
  feed.add(1, "diag/grad_share_hardneg", {0.3, 0.3});
  feed.add(1, "diag/grad_share_inbatch", {0.2, 0.1});
  EXPECT_EQ(multipos::ui::relevance_grades(model, {1}, DiagnosticSource::in_batch),
            (std::vector<std::string>{"10", "3", "1"}));
  EXPECT_TRUE(multipos::ui::relevance_grades(model, {1}, DiagnosticSource::probe).empty());
  StackedChart chart = multipos::ui::build_mass_chart(model, 1, in_batch(PositiveSplit::by_grade));
  expect_contiguous(chart);
  ASSERT_GE(chart.bands.size(), 3u);
  EXPECT_EQ(chart.bands[0].kind, BandKind::grade);
  EXPECT_EQ(chart.bands[0].label, "grade 10 positives");
  EXPECT_EQ(chart.bands[0].series_name, "diag/mass_grade_10");
  EXPECT_EQ(chart.bands[2].label, "grade 1 positives");
  EXPECT_NEAR(chart.bands[1].upper[1], 0.6, kTolerance);  // 0.2 + 0.4
  const auto grade_top = top_of(chart, {BandKind::grade});
  EXPECT_NEAR(grade_top[0], 0.8, kTolerance);
  EXPECT_NEAR(grade_top[1], 0.8, kTolerance);  // grades sum to 0.8 < P+ 0.9: the rest band fills
  EXPECT_NEAR(top_of(chart, {BandKind::grade, BandKind::positive_rest})[1], 0.9, kTolerance);

  chart = multipos::ui::build_gradient_chart(model, 1, in_batch(PositiveSplit::by_grade));
  expect_contiguous(chart);
  EXPECT_EQ(chart.bands[0].kind, BandKind::grade);
  EXPECT_NEAR(chart.bands[0].upper[0], 0.05, kTolerance);  // shares of the total: not rescaled
  EXPECT_NEAR(top_of(chart, {BandKind::grade})[0], 0.5, kTolerance);
  EXPECT_NEAR(chart.bands.back().upper[1], 1.0, kTolerance);
  EXPECT_FALSE(multipos::ui::series_description("diag/grad_share_grade_3").empty());
  EXPECT_FALSE(multipos::ui::series_description("probe/share_grade_1").empty());
  EXPECT_FALSE(multipos::ui::series_description("data/positives_used").empty());
}
