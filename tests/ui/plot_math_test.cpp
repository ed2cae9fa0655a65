// Axis ticks, decimation, smoothing and nearest-point lookup of the plot widget.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "ui/plot/plot_math.hpp"

namespace plot = multipos::ui::plot;

TEST(NiceTicks, StepsFollowOneTwoFive) {
  EXPECT_DOUBLE_EQ(plot::nice_step(0, 1, 5), 0.2);
  EXPECT_DOUBLE_EQ(plot::nice_step(0, 10, 5), 2);
  EXPECT_DOUBLE_EQ(plot::nice_step(0, 100, 4), 50);
  EXPECT_DOUBLE_EQ(plot::nice_step(0, 7, 10), 1);
  EXPECT_DOUBLE_EQ(plot::nice_step(0, 0.003, 3), 0.001);
  EXPECT_DOUBLE_EQ(plot::nice_step(1, 1, 5), 0);  // empty range: no step
}

TEST(NiceTicks, ValuesAreMultiplesInsideTheRange) {
  const plot::Ticks ticks = plot::nice_ticks(-0.37, 2.41, 6);
  EXPECT_DOUBLE_EQ(ticks.step, 0.5);
  ASSERT_EQ(ticks.values.size(), 5u);
  EXPECT_DOUBLE_EQ(ticks.values.front(), 0.0);
  EXPECT_DOUBLE_EQ(ticks.values.back(), 2.0);
  for (double value : ticks.values) {
    EXPECT_NEAR(std::remainder(value, ticks.step), 0.0, 1e-12);
  }
  const plot::Ticks exact = plot::nice_ticks(0, 1, 5);  // bounds on ticks are kept
  EXPECT_EQ(exact.values.size(), 6u);
  EXPECT_TRUE(plot::nice_ticks(3, 2, 5).values.empty());
}

TEST(NiceTicks, LogAxisUsesDecades) {
  const plot::Ticks ticks = plot::log_ticks(-3.2, 1.1, 6);
  EXPECT_EQ(ticks.values, (std::vector<double>{-3, -2, -1, 0, 1}));
  const plot::Ticks minor = plot::log_ticks(0, 1, 10);  // one decade: 1, 2, 5, 10
  ASSERT_EQ(minor.values.size(), 4u);
  EXPECT_NEAR(minor.values[1], std::log10(2.0), 1e-12);
}

TEST(NiceTicks, LabelsHaveTheDecimalsTheStepNeeds) {
  EXPECT_EQ(plot::format_tick(0.2, 0.2), "0.2");
  EXPECT_EQ(plot::format_tick(1500, 500), "1500");
  EXPECT_EQ(plot::format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(plot::format_tick(0, 0.1), "0");
  EXPECT_EQ(plot::format_tick(3e7, 1e7), "3e+07");
}

TEST(Decimation, KeepsMinAndMaxOfEveryPixelColumn) {
  const std::size_t count = 200000;
  const int columns = 300;
  std::vector<double> xs(count), ys(count);
  std::mt19937 random(7);
  std::normal_distribution<double> noise(0, 1);
  for (std::size_t i = 0; i < count; ++i) {
    xs[i] = static_cast<double>(i);
    ys[i] = std::sin(i * 1e-4) + noise(random);
  }
  std::vector<plot::PlotPoint> out;
  plot::decimate_min_max(xs.data(), ys.data(), count, 0, count - 1.0, columns, out);
  EXPECT_LE(out.size(), static_cast<std::size_t>(4 * (columns + 2)));
  EXPECT_TRUE(std::is_sorted(out.begin(), out.end(),
                             [](const auto& a, const auto& b) { return a.x < b.x; }));
  // Per column, the decimated extremes equal the true extremes.
  // Same arithmetic as the decimator, so boundary points land in the same column.
  const double scale = columns / (count - 1.0);
  for (int column = 0; column < columns; ++column) {
    double true_min = 1e300, true_max = -1e300, kept_min = 1e300, kept_max = -1e300;
    for (std::size_t i = 0; i < count; ++i) {
      if (std::min(static_cast<int>(std::floor(xs[i] * scale)), columns) != column) continue;
      true_min = std::min(true_min, ys[i]);
      true_max = std::max(true_max, ys[i]);
    }
    for (const auto& point : out) {
      if (std::min(static_cast<int>(std::floor(point.x * scale)), columns) != column) continue;
      kept_min = std::min(kept_min, point.y);
      kept_max = std::max(kept_max, point.y);
    }
    ASSERT_EQ(kept_min, true_min) << "column " << column;
    ASSERT_EQ(kept_max, true_max) << "column " << column;
  }
}

TEST(Decimation, SmallSeriesPassThroughWithEdgeNeighbours) {
  const std::vector<double> xs{0, 1, 2, 3, 4, 5}, ys{5, 4, 3, 2, 1, 0};
  std::vector<plot::PlotPoint> out;
  plot::decimate_min_max(xs.data(), ys.data(), xs.size(), 1.5, 3.5, 1000, out);
  // Points 2 and 3 are visible; 1 and 4 are kept so the line reaches the plot edges.
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.front().x, 1);
  EXPECT_EQ(out.back().x, 4);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> gappy{1, nan, 3, 4, nan, 6};
  plot::decimate_min_max(xs.data(), gappy.data(), xs.size(), 0, 5, 1000, out);
  EXPECT_EQ(out.size(), 4u);
}

TEST(Smoothing, DebiasedEmaHasNoStartupPullTowardZero) {
  const std::vector<double> constant(50, 3.0);
  for (double value : plot::ema_debiased(constant, 0.9)) EXPECT_NEAR(value, 3.0, 1e-12);
  const std::vector<double> raw{1, 2, 3, 4};
  EXPECT_EQ(plot::ema_debiased(raw, 0.0), raw);
  const auto smoothed = plot::ema_debiased({0, 10}, 0.5);
  EXPECT_NEAR(smoothed[1], (0.25 * 0 + 0.5 * 10) / 0.75, 1e-12);  // (w(1-w)x0 + (1-w)x1) / (1-w^2)
}

TEST(Smoothing, NaNPassesThroughWithoutPoisoningTheAverage) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto smoothed = plot::ema_debiased({1, nan, 1}, 0.8);
  EXPECT_TRUE(std::isnan(smoothed[1]));
  EXPECT_NEAR(smoothed[2], 1.0, 1e-12);
}

TEST(NearestIndex, PicksTheClosestX) {
  const std::vector<double> xs{0, 10, 20, 30};
  EXPECT_EQ(plot::nearest_index(xs.data(), xs.size(), -5), 0u);
  EXPECT_EQ(plot::nearest_index(xs.data(), xs.size(), 14), 1u);
  EXPECT_EQ(plot::nearest_index(xs.data(), xs.size(), 16), 2u);
  EXPECT_EQ(plot::nearest_index(xs.data(), xs.size(), 99), 3u);
}
