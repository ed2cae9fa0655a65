// The line plot's interactions (issue #21). Legend: a click on an entry hides every series of that label (the
// faint raw curve with its smoothed line), the view refits to what is still shown, the readout and
// drawing leave it out, a second click shows it again; hovering an entry highlights it. Driven
// headless with the mouse placed on the rows the legend reports, so no pixel position is guessed.
#include <gtest/gtest.h>

#include <imgui.h>

#include <vector>

#include "app/platform/null_platform.hpp"
#include "ui/plot/line_plot.hpp"
#include "ui/plot/small_multiples.hpp"

using multipos::app::NullPlatform;
using multipos::ui::plot::LinePlot;
using multipos::ui::plot::PlotSeries;

namespace {

struct Data {
  std::vector<double> short_xs, short_ys, long_xs, long_ys;
  Data() {
    for (int i = 0; i <= 10; ++i) short_xs.push_back(i), short_ys.push_back(1.0 / (1 + i));
    for (int i = 0; i <= 100; ++i) long_xs.push_back(i), long_ys.push_back(2.0 + i * 0.01);
  }
  std::vector<PlotSeries> series() const {
    PlotSeries faint{"#1 short", short_xs.data(), short_ys.data(), short_xs.size(), IM_COL32(200, 80, 80, 60)};
    faint.in_legend = false;
    PlotSeries line{"#1 short", short_xs.data(), short_ys.data(), short_xs.size(), IM_COL32(200, 80, 80, 255)};
    PlotSeries other{"#2 long", long_xs.data(), long_ys.data(), long_xs.size(), IM_COL32(80, 80, 200, 255)};
    return {faint, line, other};
  }
};

void frame(NullPlatform& platform, LinePlot& plot, const std::vector<PlotSeries>& series) {
  ASSERT_TRUE(platform.begin_frame());
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(900, 500));
  ImGui::Begin("plot", nullptr, ImGuiWindowFlags_NoDecoration);
  plot.draw("##chart", series, ImVec2(860, 460));
  ImGui::End();
  platform.end_frame();
}

ImVec2 centre(const LinePlot::LegendRow& row) { return ImVec2((row.min.x + row.max.x) / 2, (row.min.y + row.max.y) / 2); }

void click(NullPlatform& platform, LinePlot& plot, const std::vector<PlotSeries>& series) {
  ImGui::GetIO().MouseDown[0] = true;
  frame(platform, plot, series);
  ImGui::GetIO().MouseDown[0] = false;
  frame(platform, plot, series);
}

}  // namespace

TEST(LinePlotLegend, ClickHidesAndShowsASeriesAndTheViewRefitsToWhatIsShown) {
  NullPlatform platform(900, 500);
  Data data;
  const auto series = data.series();
  LinePlot plot;
  ImGui::GetIO().MousePos = ImVec2(-100, -100);
  frame(platform, plot, series);
  ASSERT_EQ(plot.legend_rows().size(), 2u) << "one entry per label: the faint raw curve has none of its own";
  EXPECT_EQ(plot.legend_rows()[0].label, "#1 short");
  EXPECT_DOUBLE_EQ(plot.x_range().max, 100.0) << "fitted to both series";

  ImGui::GetIO().MousePos = centre(plot.legend_rows()[1]);
  frame(platform, plot, series);  // hover first, as a real mouse would
  EXPECT_EQ(plot.highlighted(), "#2 long");
  click(platform, plot, series);
  EXPECT_EQ(plot.hidden().count("#2 long"), 1u);
  EXPECT_EQ(plot.highlighted(), "") << "a hidden entry is not highlighted";
  frame(platform, plot, series);
  EXPECT_DOUBLE_EQ(plot.x_range().max, 10.0) << "refitted to the series still shown";
  EXPECT_LT(plot.y_range().max, 1.5) << "the hidden series' y values no longer count";

  click(platform, plot, series);
  EXPECT_EQ(plot.hidden().count("#2 long"), 0u);
  frame(platform, plot, series);
  EXPECT_DOUBLE_EQ(plot.x_range().max, 100.0);

  // Both curves of a label go together; the plot's own pan did not run under the legend.
  ImGui::GetIO().MousePos = centre(plot.legend_rows()[0]);
  frame(platform, plot, series);
  click(platform, plot, series);
  EXPECT_EQ(plot.hidden().count("#1 short"), 1u);
  EXPECT_TRUE(plot.following()) << "a click in the legend is not a pan";
  ImGui::GetIO().MousePos = ImVec2(-100, -100);
  frame(platform, plot, series);
  EXPECT_EQ(plot.highlighted(), "");
  EXPECT_GT(plot.y_range().min, 1.5) << "only the long series is fitted now";
}

// Box zoom (issue #21): a right-button drag draws a box and the view becomes that box; a right
// click without a drag changes nothing.
TEST(LinePlotInteraction, RightDragZoomsToTheBoxItDraws) {
  NullPlatform platform(900, 500);
  Data data;
  const auto series = data.series();
  LinePlot plot;
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(-100, -100);
  frame(platform, plot, series);
  const LinePlot::Range x = plot.x_range(), y = plot.y_range();
  const ImVec2 lo = plot.plot_min(), hi = plot.plot_max();
  auto at = [&](float fx, float fy) { return ImVec2(lo.x + (hi.x - lo.x) * fx, lo.y + (hi.y - lo.y) * fy); };

  io.MousePos = at(0.3f, 0.6f);  // a click without a drag
  frame(platform, plot, series);
  io.MouseDown[1] = true;
  frame(platform, plot, series);
  io.MouseDown[1] = false;
  frame(platform, plot, series);
  EXPECT_TRUE(plot.following());
  EXPECT_DOUBLE_EQ(plot.x_range().max, x.max);

  io.MousePos = at(0.25f, 0.75f);
  frame(platform, plot, series);
  io.MouseDown[1] = true;
  frame(platform, plot, series);
  io.MousePos = at(0.5f, 0.5f);
  frame(platform, plot, series);
  EXPECT_TRUE(plot.box_zooming());
  EXPECT_TRUE(plot.following()) << "nothing moves while the box is drawn";
  io.MouseDown[1] = false;
  frame(platform, plot, series);
  EXPECT_FALSE(plot.box_zooming());
  EXPECT_FALSE(plot.following());
  // ImGui floors the mouse position: the box is exact to one pixel.
  const double width = x.max - x.min, height = y.max - y.min;
  const double x_pixel = width / (hi.x - lo.x), y_pixel = height / (hi.y - lo.y);
  EXPECT_NEAR(plot.x_range().min, x.min + 0.25 * width, x_pixel);
  EXPECT_NEAR(plot.x_range().max, x.min + 0.5 * width, x_pixel);
  EXPECT_NEAR(plot.y_range().min, y.min + 0.25 * height, y_pixel);
  EXPECT_NEAR(plot.y_range().max, y.min + 0.5 * height, y_pixel);
  io.MousePos = ImVec2(-100, -100);
}

// Linked x axes (issue #21): the small multiples share one x view, so the wheel over one run's
// chart zooms every chart around the cursor, a drag pans them all and a double-click goes back
// to the data range.
TEST(SmallMultiplesInteraction, OneChartsZoomAndPanMoveEveryChart) {
  NullPlatform platform(900, 500);
  std::vector<multipos::ui::StackedChart> charts(2);
  for (int r = 0; r < 2; ++r) {
    auto& chart = charts[static_cast<size_t>(r)];
    chart.run_id = r + 1;
    chart.title = r == 0 ? "lsepair" : "jointlh";
    multipos::ui::Band band;
    band.kind = multipos::ui::BandKind::negatives;
    band.label = "negatives";
    for (int step = 0; step <= 200; ++step) {
      chart.steps.push_back(step);
      band.lower.push_back(0.2 + 0.1 * r);
      band.upper.push_back(1.0);
    }
    chart.bands.push_back(band);
  }
  multipos::ui::SmallMultiples multiples;
  ImGuiIO& io = ImGui::GetIO();
  auto draw = [&] {
    ASSERT_TRUE(platform.begin_frame());
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(900, 500));
    ImGui::Begin("multiples", nullptr, ImGuiWindowFlags_NoDecoration);
    multiples.draw(charts, 1, nullptr, "none");
    ImGui::End();
    platform.end_frame();
  };
  io.MousePos = ImVec2(-100, -100);
  draw();
  ASSERT_EQ(multiples.last_columns(), 2) << "side by side at this width";
  EXPECT_FALSE(multiples.x_view().zoomed);

  // The wheel over the middle of the right-hand chart.
  io.MousePos = ImVec2(900 * 0.75f, 250);
  draw();
  io.MouseWheel = 2.0f;
  draw();
  io.MouseWheel = 0.0f;
  ASSERT_TRUE(multiples.x_view().zoomed);
  const auto zoomed = multiples.x_view().range;
  EXPECT_GT(zoomed.min, 0.0);
  EXPECT_LT(zoomed.max, 200.0);
  EXPECT_NEAR(zoomed.max - zoomed.min, 200.0 * 0.85 * 0.85, 1e-9) << "zoomed by the wheel's two notches";

  // A drag over the left-hand chart pans the same view.
  io.MousePos = ImVec2(900 * 0.25f, 250);
  draw();
  io.MouseDown[0] = true;
  draw();
  io.MousePos = ImVec2(900 * 0.25f + 40, 250);
  draw();
  io.MouseDown[0] = false;
  draw();
  const auto panned = multiples.x_view().range;
  EXPECT_LT(panned.min, zoomed.min) << "dragged right: earlier steps come into view";
  EXPECT_NEAR(panned.max - panned.min, zoomed.max - zoomed.min, 1e-9);

  for (bool down : {true, false, true, false}) {  // double-click
    io.MouseDown[0] = down;
    draw();
  }
  EXPECT_FALSE(multiples.x_view().zoomed);
  io.MousePos = ImVec2(-100, -100);
  draw();
}
