// Each view tab of the studio drawn headless (null platform) over a hand-made store with
// in-batch and probe diagnostics and probe rows: the tab opens on request, its panel builds one
// chart per selected run or fills the inspector's table from the background reader.
#include <gtest/gtest.h>

#include <imgui.h>

#include "app/platform/null_platform.hpp"
#include "tests/ui/diagnostic_store_support.hpp"
#include "tests/ui/ui_test_support.hpp"
#include "ui/studio.hpp"
#include "ui/studio_style.hpp"

using multipos::app::NullPlatform;
using multipos::ui::DiagnosticSource;
using multipos::ui::Studio;
using multipos::ui::StudioTab;
using multipos::ui::testing::TempDir;

namespace {

class StudioTabs : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("runs.sqlite");
    multipos::ui::testing::fill_diagnostic_store(db_, 60, &ids_);
    multipos::ui::apply_studio_style(1.0f);
    studio_ = std::make_unique<Studio>(multipos::ui::StudioOptions{db_, std::chrono::milliseconds(20)});
    ASSERT_TRUE(studio_->wait_for_first_poll(std::chrono::seconds(10)));
  }
  void frames(int count) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(platform_.begin_frame());
      studio_->frame();
      platform_.end_frame();
    }
  }
  int vertices() const { return ImGui::GetDrawData() ? ImGui::GetDrawData()->TotalVtxCount : 0; }

  TempDir dir_;
  std::string db_;
  std::vector<int64_t> ids_;
  NullPlatform platform_{1600, 1000};
  std::unique_ptr<Studio> studio_;
};

}  // namespace

TEST_F(StudioTabs, ProbabilityMassDrawsOneChartPerRunFromTheProbeByDefault) {
  studio_->show_tab(StudioTab::mass);
  frames(4);
  EXPECT_EQ(studio_->active_tab(), StudioTab::mass);
  const auto& charts = studio_->mass_view().charts();
  ASSERT_EQ(charts.size(), 3u);
  for (const auto& chart : charts) {
    EXPECT_EQ(chart.steps.size(), 6u);  // probe every 10 steps of 60: the probe is the default
    EXPECT_FALSE(chart.bands.empty());
  }
  EXPECT_EQ(charts[0].title.rfind("jointlh", 0), 0u);
  EXPECT_GT(vertices(), 4000);
  EXPECT_NEAR(studio_->mass_view().multiples().last_y_range().max, 1.0, 1e-12);

  studio_->mass_view().state().choose_source(DiagnosticSource::in_batch);
  studio_->mass_view().state().options().show_negatives = false;
  frames(2);
  EXPECT_EQ(studio_->mass_view().charts()[0].steps.size(), 60u);
  EXPECT_LT(studio_->mass_view().multiples().last_y_range().max, 1.0);  // fitted to the highest P+
}

TEST_F(StudioTabs, GradientAllocationStacksToOneAndShowsJointlhPushDown) {
  studio_->show_tab(StudioTab::gradient);
  frames(4);
  EXPECT_EQ(studio_->active_tab(), StudioTab::gradient);
  const auto& charts = studio_->gradient_view().charts();
  ASSERT_EQ(charts.size(), 3u);
  EXPECT_NEAR(charts[0].bands.back().upper.back(), 1.0, 1e-9);
  EXPECT_EQ(charts[0].lines.size(), 3u);  // jointlh: pushed-down share and mass, false-positive share
  EXPECT_EQ(charts[1].lines.size(), 1u);  // summarglh: false-positive share only
  EXPECT_GT(vertices(), 4000);
}

TEST_F(StudioTabs, QueryInspectorFillsItsTableFromTheBackgroundReader) {
  studio_->show_tab(StudioTab::inspector);
  studio_->inspector().set_query("q10");
  ASSERT_TRUE(multipos::ui::testing::eventually([&] {
    frames(1);
    const auto& table = studio_->inspector().table();
    return table.rows.size() == 7u && table.totals.size() == 3u && table.totals[2].present;
  }));
  EXPECT_EQ(studio_->active_tab(), StudioTab::inspector);
  EXPECT_EQ(studio_->inspector().shown_step(), 50);  // follows the latest probe step
  studio_->inspector().set_step(10);
  ASSERT_TRUE(multipos::ui::testing::eventually([&] {
    frames(1);
    const auto& table = studio_->inspector().table();
    return studio_->inspector().shown_step() == 10 && !table.rows.empty() && table.rows[0].cells[0].present;
  }));
  // Spread 0.01 per probe index: at step 10 the first positive (d10, grade 1) has p = 0.49.
  const auto& rows = studio_->inspector().table().rows;
  const auto d10 = std::find_if(rows.begin(), rows.end(), [](const auto& row) { return row.passage_id == "d10"; });
  ASSERT_NE(d10, rows.end());
  EXPECT_NEAR(d10->cells[0].probability, 0.49, 1e-12);
  EXPECT_GT(vertices(), 3000);
}

TEST_F(StudioTabs, CurvesStaysTheDefaultTab) {
  frames(3);
  EXPECT_EQ(studio_->active_tab(), StudioTab::curves);
  multipos::ui::StudioTab tab;
  EXPECT_TRUE(multipos::ui::parse_studio_tab("inspector", tab));
  EXPECT_EQ(tab, StudioTab::inspector);
  EXPECT_FALSE(multipos::ui::parse_studio_tab("Mass", tab));
}
