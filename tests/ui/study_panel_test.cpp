// The Study tab headless: its view model on a planted study (progress, summary, curves per regime
// with seed bands and the baselines as flat references), a broken study file shown as an error,
// and the panel drawn frame after frame through the null platform while its worker loads.
#include <gtest/gtest.h>
#include <imgui.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "app/platform/null_platform.hpp"
#include "tests/support/planted_study.hpp"
#include "ui/panels/study_panel.hpp"
#include "ui/models/study_view_model.hpp"

using multipos::testing::PlantedStudy;
using multipos::ui::build_study_view;

TEST(StudyViewModel, CurvesFollowTheStoredResults) {
  PlantedStudy study;
  multipos::study::save_study_state(study.state, multipos::study::study_directory(study.database, "planted"));
  EXPECT_EQ(multipos::ui::study_names(study.database), std::vector<std::string>{"planted"});
  auto view = build_study_view(study.database, "planted");
  ASSERT_TRUE(view.error.empty()) << view.error;
  EXPECT_EQ(view.finished, 12);
  EXPECT_FALSE(view.report_exists);
  ASSERT_EQ(view.regimes, std::vector<std::string>{"mixed"});
  const auto& panels = view.panels.at("mixed");
  ASSERT_EQ(panels.size(), 4u);  // nDCG@10, Recall@100, MRR@10, mass on false positives
  EXPECT_EQ(panels[0].first, "nDCG@10");
  const auto& curves = panels[0].second;
  ASSERT_EQ(curves.size(), 5u);  // 3 objectives + BM25 + untrained
  const auto& jointlh = curves[2];
  EXPECT_EQ(jointlh.label, "JointLH");
  ASSERT_EQ(jointlh.xs, (std::vector<double>{0, 0.4}));
  EXPECT_NEAR(jointlh.mean[0], 0.565, 1e-9);
  EXPECT_NEAR(jointlh.mean[1], 0.165, 1e-9);
  EXPECT_NEAR(jointlh.low[1], 0.16, 1e-9);
  EXPECT_NEAR(jointlh.high[1], 0.17, 1e-9);
  EXPECT_TRUE(curves[3].reference);
  EXPECT_NEAR(curves[3].mean[0], 0.4, 1e-9);
  EXPECT_NEAR(panels[3].second[2].mean[1], 0.30, 1e-9);
  EXPECT_FALSE(view.summary.empty());
}

TEST(StudyViewModel, ABrokenStudyFileIsShownNotThrown) {
  PlantedStudy study;
  const std::string directory = multipos::study::study_directory(study.database, "broken");
  std::filesystem::create_directories(directory);
  std::ofstream(directory + "/study.json") << "{\"spec\": 3}";
  auto view = build_study_view(study.database, "broken");
  EXPECT_NE(view.error.find("study.json"), std::string::npos) << view.error;
}

TEST(StudyPanel, DrawsWhileItsWorkerLoads) {
  PlantedStudy study;
  multipos::study::save_study_state(study.state, multipos::study::study_directory(study.database, "planted"));
  multipos::app::NullPlatform platform(1400, 900);
  multipos::ui::StudyPanel panel(study.database, "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);  // a hang guard
  int frames = 0;
  while ((!panel.view() || frames < 3) && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(platform.begin_frame());
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(1400, 900));
    ImGui::Begin("study");
    panel.draw();
    ImGui::End();
    platform.end_frame();
    ++frames;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(panel.view());
  EXPECT_EQ(panel.view()->name, "planted");
  EXPECT_EQ(panel.studies(), std::vector<std::string>{"planted"});
}
