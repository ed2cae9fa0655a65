// Drives the whole studio (table, chart, log, status bar) through ImGui frames with the headless
// null platform: no window, no GPU, real run store.
#include <gtest/gtest.h>

#include <imgui.h>

#include "app/platform/null_platform.hpp"
#include "tests/ui/ui_test_support.hpp"
#include "ui/studio.hpp"
#include "ui/studio_style.hpp"

using multipos::app::NullPlatform;
using multipos::ui::Studio;
using multipos::ui::StoreHealth;
using multipos::ui::testing::TempDir;

namespace {

void run_frames(NullPlatform& platform, Studio& studio, int frames) {
  for (int i = 0; i < frames; ++i) {
    ASSERT_TRUE(platform.begin_frame());
    studio.frame();
    platform.end_frame();
  }
}

}  // namespace

TEST(StudioHeadless, DrawsRunsAndSelectsTheNewestLaunchGroup) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  std::vector<int64_t> ids;
  multipos::ui::testing::fill_demo_store(db, 200, &ids);
  NullPlatform platform(1600, 1000);
  multipos::ui::load_studio_font(platform.content_scale());
  multipos::ui::apply_studio_style(platform.content_scale());
  Studio studio({db, std::chrono::milliseconds(20)});
  ASSERT_TRUE(studio.wait_for_first_poll(std::chrono::seconds(10)));
  run_frames(platform, studio, 3);

  EXPECT_EQ(studio.health().state, StoreHealth::State::connected);
  EXPECT_EQ(studio.model().runs().size(), 3u);
  EXPECT_EQ(studio.model().point_count(), 1200u);
  EXPECT_EQ(studio.selection().ids().size(), 3u);  // all three share the newest run's group
  EXPECT_EQ(studio.chart().series_name(), "loss");
  const ImDrawData* draw_data = ImGui::GetDrawData();
  ASSERT_NE(draw_data, nullptr);
  EXPECT_GT(draw_data->TotalVtxCount, 2000);  // table text, curves and legend were emitted

  // The failed run carries its worker's message for the table's error column and tooltip.
  const auto* failed = studio.model().find_run(ids[2]);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->status, "failed");
  EXPECT_NE(failed->error.find("NaN"), std::string::npos);
}

TEST(StudioHeadless, WheelOverTheChartZoomsAndDoubleClickFits) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  multipos::ui::testing::fill_demo_store(db, 300);
  NullPlatform platform(1600, 1000);
  multipos::ui::apply_studio_style(1.0f);
  Studio studio({db, std::chrono::milliseconds(20)});
  ASSERT_TRUE(studio.wait_for_first_poll(std::chrono::seconds(10)));
  run_frames(platform, studio, 3);
  auto& plot = studio.chart().plot();
  ASSERT_TRUE(plot.following());
  const double fitted_width = plot.x_range().max - plot.x_range().min;

  // The chart sits in the lower-left part of the window (runs table above, log to the right).
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(600, 750);
  run_frames(platform, studio, 1);  // hover first, as a real mouse would
  io.MouseWheel = 2.0f;
  run_frames(platform, studio, 1);
  io.MouseWheel = 0.0f;
  EXPECT_FALSE(plot.following());
  EXPECT_LT(plot.x_range().max - plot.x_range().min, fitted_width * 0.9);

  for (bool down : {true, false, true, false}) {  // double-click
    io.MouseDown[0] = down;
    run_frames(platform, studio, 1);
  }
  run_frames(platform, studio, 1);
  EXPECT_TRUE(plot.following());
  EXPECT_NEAR(plot.x_range().max - plot.x_range().min, fitted_width, 1e-9);
}

TEST(StudioHeadless, MissingDatabaseIsShownNotThrown) {
  TempDir dir;
  NullPlatform platform(1280, 800);
  Studio studio({dir.file("nothing-here.sqlite"), std::chrono::milliseconds(20)});
  ASSERT_TRUE(studio.wait_for_first_poll(std::chrono::seconds(10)));
  run_frames(platform, studio, 2);
  EXPECT_EQ(studio.health().state, StoreHealth::State::missing);
  EXPECT_TRUE(studio.model().runs().empty());
}

TEST(StudioHeadless, FilterAndOtherSeriesDrawWithoutData) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  multipos::ui::testing::fill_demo_store(db, 50);
  NullPlatform platform(1280, 800);
  Studio studio({db, std::chrono::milliseconds(20)});
  ASSERT_TRUE(studio.wait_for_first_poll(std::chrono::seconds(10)));
  studio.runs_table().set_filter("listwise");
  studio.chart().set_series_name("diag/absent");
  studio.chart().plot().set_log_y(true);
  run_frames(platform, studio, 3);
  studio.chart().set_series_name("lr");  // lr starts at 0: log scale must skip it, not crash
  run_frames(platform, studio, 3);
  EXPECT_EQ(studio.model().runs().size(), 3u);
}
