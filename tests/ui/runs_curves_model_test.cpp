// The runs table's and the Curves tab's derived data: status filter, ETA, seed groups, x-axis
// mapping and the seed band (mean, min, max) — pure functions on hand-made records and series.
#include <gtest/gtest.h>

#include <cmath>

#include "ui/models/curve_model.hpp"
#include "ui/models/run_table_model.hpp"

using namespace multipos::ui;
using multipos::store::RunRecord;

namespace {

RunRecord run_with(int64_t id, const std::string& status, const std::string& config, int64_t seed = 1) {
  RunRecord run;
  run.id = id;
  run.status = status;
  run.config_json = config;
  run.seed = seed;
  run.total_steps = 1000;
  return run;
}

// `n` points at steps 0..n-1 taken every `seconds_per_step` from t0 = 1000.
SeriesData series_of(int n, double seconds_per_step, double value_slope = 1) {
  SeriesData series;
  for (int i = 0; i < n; ++i) {
    series.steps.push_back(i);
    series.values.push_back(value_slope * i);
    series.wall_times.push_back(1000 + seconds_per_step * i);
  }
  return series;
}

}  // namespace

TEST(RunTableModel, StatusFilterHidesOnlyUntickedKnownStatuses) {
  StatusFilter filter;
  EXPECT_TRUE(filter.all());
  filter.set("finished", false);
  filter.set("failed", false);
  EXPECT_FALSE(filter.shows("finished"));
  EXPECT_FALSE(filter.shows("failed"));
  EXPECT_TRUE(filter.shows("running"));
  EXPECT_TRUE(filter.shows("something-new"));  // an unknown status is never hidden
  StatusFilter restored;
  restored.set_hidden_mask(filter.hidden_mask());  // what the settings file keeps
  EXPECT_FALSE(restored.shows("failed"));
  restored.set("failed", true);
  EXPECT_TRUE(restored.shows("failed"));
  EXPECT_FALSE(restored.all());
}

TEST(RunTableModel, EtaFromTheRecentPaceOrFromThroughput) {
  // 101 points, 0.5 s per step: at step 100 of 1000, 900 steps left -> 450 s.
  const SeriesData loss = series_of(101, 0.5);
  RunRecord running = run_with(1, "running", R"({"batch": {"queries": 32}})");
  running.last_step = 100;
  const auto eta = estimate_eta(running, &loss, nullptr, 50);
  ASSERT_TRUE(eta.has_value());
  EXPECT_NEAR(*eta, 450.0, 1e-9);
  // Only the last `window` points count: a slow start does not drag the estimate.
  SeriesData uneven = loss;
  for (std::size_t i = 0; i < 50; ++i) uneven.wall_times[i] -= 100;  // the first half took longer
  EXPECT_NEAR(*estimate_eta(running, &uneven, nullptr, 20), 450.0, 1e-9);
  // No usable loss pace: examples_per_s / batch.queries = 64 / 32 = 2 steps/s -> 900 / 2.
  SeriesData throughput;
  throughput.steps = {0};
  throughput.values = {64};
  throughput.wall_times = {1000};
  EXPECT_NEAR(*estimate_eta(running, nullptr, &throughput), 450.0, 1e-9);
  // Not running, or nothing known: no ETA.
  EXPECT_FALSE(estimate_eta(run_with(2, "finished", "{}"), &loss, nullptr).has_value());
  EXPECT_FALSE(estimate_eta(run_with(3, "running", "{}"), nullptr, &throughput).has_value());
  EXPECT_EQ(format_duration(45), "45 s");
  EXPECT_EQ(format_duration(450), "8 min");
  EXPECT_EQ(format_duration(3 * 3600 + 5 * 60), "3 h 05 min");
  EXPECT_EQ(format_duration(2 * 86400 + 4 * 3600), "2 d 4 h");
}

TEST(RunTableModel, SeedGroupsAreRunsWhoseConfigsDifferOnlyInSeedAndName) {
  const std::string a1 = R"({"name": "a", "seed": 1, "objective": {"name": "jointlh"}, "dataset": {"seed": 13}})";
  const std::string a2 = R"({"seed": 2, "name": "b", "objective": {"name": "jointlh"}, "dataset": {"seed": 13}})";
  const std::string a3 = R"({"seed": 3, "objective": {"name": "jointlh"}, "dataset": {"seed": 13}})";
  const std::string other_data = R"({"seed": 4, "objective": {"name": "jointlh"}, "dataset": {"seed": 14}})";
  const std::string other_objective = R"({"seed": 5, "objective": {"name": "infonce"}, "dataset": {"seed": 13}})";
  const RunRecord runs[] = {run_with(1, "finished", a1, 1), run_with(2, "finished", a2, 2),
                            run_with(3, "finished", other_data, 4), run_with(4, "finished", other_objective, 5),
                            run_with(5, "running", a3, 3), run_with(6, "finished", a1, 1) /* same seed: a repeat */,
                            run_with(7, "finished", "not json", 1)};
  std::vector<const RunRecord*> pointers;
  for (const auto& run : runs) pointers.push_back(&run);
  const auto groups = seed_groups(pointers);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0], (std::vector<int64_t>{1, 2, 5}));
  EXPECT_EQ(batch_queries(R"({"batch": {"queries": 48}})"), 48);
  EXPECT_EQ(batch_queries("[]"), 0);
}

TEST(CurveModel, XAxisMapsStepsToExamplesEpochsAndSeconds) {
  const SeriesData loss = series_of(5, 2.0);  // steps 0..4 at t = 1000, 1002, ...
  std::vector<double> xs;
  ASSERT_TRUE(map_x(loss, XAxis::step, {}, xs));
  EXPECT_EQ(xs, loss.steps);
  XContext context;
  context.examples_per_step = 32;
  ASSERT_TRUE(map_x(loss, XAxis::examples, context, xs));
  EXPECT_EQ(xs, (std::vector<double>{32, 64, 96, 128, 160}));
  // Epoch: the run's "epoch" series, recorded at steps 0, 2, 4 -> interpolated between.
  SeriesData epoch;
  epoch.steps = {0, 2, 4};
  epoch.values = {0.0, 0.5, 1.25};
  epoch.wall_times = {0, 0, 0};
  context.epoch = &epoch;
  ASSERT_TRUE(map_x(loss, XAxis::epoch, context, xs));
  EXPECT_EQ(xs, (std::vector<double>{0.0, 0.25, 0.5, 0.875, 1.25}));
  // Wall time: seconds since the run started (its started_at), else since its first point.
  context.start_time = 999;
  ASSERT_TRUE(map_x(loss, XAxis::wall_time, context, xs));
  EXPECT_EQ(xs, (std::vector<double>{1, 3, 5, 7, 9}));
  // Out-of-order wall times never make xs decrease (the plot binary-searches it).
  SeriesData jumpy = loss;
  jumpy.wall_times[3] = 1001;
  ASSERT_TRUE(map_x(jumpy, XAxis::wall_time, {}, xs));
  EXPECT_TRUE(std::is_sorted(xs.begin(), xs.end()));
  // What an axis needs but the run lacks: refused, not made up.
  EXPECT_FALSE(map_x(loss, XAxis::examples, {}, xs));
  EXPECT_FALSE(map_x(loss, XAxis::epoch, {}, xs));
  XAxis axis = XAxis::step;
  EXPECT_TRUE(parse_x_axis("wall_time", axis));
  EXPECT_EQ(axis, XAxis::wall_time);
  EXPECT_FALSE(parse_x_axis("minutes", axis));
}

// The trainer records epoch progress after each step (epoch + cursor / training queries). A new
// epoch starts at the first step whose value passes the next whole number: a batch that straddles
// the boundary counts for the new epoch, a batch that ends exactly on it does not.
TEST(CurveModel, EpochStartsAreTheFirstStepsPastEachWholeEpoch) {
  SeriesData straddling;  // 100 queries, batches of 32
  straddling.steps = {0, 1, 2, 3, 4, 5, 6, 7};
  straddling.values = {0.32, 0.64, 0.96, 1.28, 1.60, 1.92, 2.24, 2.56};
  straddling.wall_times = {10, 11, 12, 13, 14, 15, 16, 17};
  SeriesData starts = epoch_starts(straddling);
  EXPECT_EQ(starts.steps, (std::vector<double>{3, 6}));
  EXPECT_EQ(starts.values, (std::vector<double>{1, 2}));
  EXPECT_EQ(starts.wall_times, (std::vector<double>{13, 16}));

  SeriesData aligned;  // 96 queries, batches of 32: step 2 ends epoch 1 exactly at 1.0
  aligned.steps = {0, 1, 2, 3, 4, 5, 6};
  aligned.values = {1.0 / 3, 2.0 / 3, 1.0, 4.0 / 3, 5.0 / 3, 2.0, 7.0 / 3};
  aligned.wall_times = std::vector<double>(7, 0.0);
  EXPECT_EQ(epoch_starts(aligned).steps, (std::vector<double>{3, 6}));

  SeriesData tiny;  // an epoch smaller than a batch: one mark per step, never two
  tiny.steps = {0, 1};
  tiny.values = {3.5, 7.0};
  tiny.wall_times = {0, 0};
  EXPECT_EQ(epoch_starts(tiny).steps, (std::vector<double>{0, 1}));
  EXPECT_EQ(epoch_starts(tiny).values, (std::vector<double>{3, 7}));
  EXPECT_TRUE(epoch_starts(SeriesData{}).steps.empty());
}

TEST(CurveModel, SeedBandIsTheMeanWithMinAndMaxOfTheCoveringCurves) {
  // Three seeds of one config: y = x, y = x + 2, y = x + 4 on x = 0..10; the third stops at 6.
  std::vector<double> x_full, x_short, y1, y2, y3;
  for (int i = 0; i <= 10; ++i) {
    x_full.push_back(i);
    y1.push_back(i);
    y2.push_back(i + 2.0);
  }
  for (int i = 0; i <= 6; ++i) {
    x_short.push_back(i);
    y3.push_back(i + 4.0);
  }
  const BandCurve band = seed_band({{&x_full, &y1}, {&x_full, &y2}, {&x_short, &y3}});
  ASSERT_EQ(band.xs.size(), 11u);
  EXPECT_DOUBLE_EQ(band.mean[3], 3 + 2.0);  // (3 + 5 + 7) / 3
  EXPECT_DOUBLE_EQ(band.lo[3], 3);
  EXPECT_DOUBLE_EQ(band.hi[3], 7);
  EXPECT_EQ(band.runs[3], 3);
  EXPECT_DOUBLE_EQ(band.mean[8], 9);  // only two curves reach x = 8
  EXPECT_EQ(band.runs[8], 2);
  // Curves sampled at other x values are interpolated onto the grid.
  std::vector<double> x_half = {0.5, 9.5}, y_half = {10.5, 19.5};  // y = x + 10
  const BandCurve mixed = seed_band({{&x_full, &y1}, {&x_half, &y_half}});
  ASSERT_FALSE(mixed.xs.empty());
  EXPECT_DOUBLE_EQ(mixed.xs.front(), 1);  // x = 0 is covered by one curve only
  EXPECT_DOUBLE_EQ(mixed.mean.front(), (1 + 11.0) / 2);
  // The grid is thinned for long curves: first and last kept.
  std::vector<double> long_x, long_y;
  for (int i = 0; i < 100000; ++i) long_x.push_back(i), long_y.push_back(1);
  const BandCurve thin = seed_band({{&long_x, &long_y}, {&long_x, &long_y}}, 500);
  EXPECT_EQ(thin.xs.size(), 500u);
  EXPECT_DOUBLE_EQ(thin.xs.back(), 99999);
  EXPECT_TRUE(std::isnan(interpolate(x_full, y1, 11)));
}
