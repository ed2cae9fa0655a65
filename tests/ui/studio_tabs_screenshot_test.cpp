// End to end: a short real training of every objective (`multipos train`, quick preset) then
// `multipos studio --tab ... --screenshot` under Xvfb for each view. The PNGs are kept next to
// the test's working directory (studio_tab_<name>.png) for people looking at failures and docs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/support/png_image.hpp"
#include "tests/ui/ui_test_support.hpp"

using multipos::ui::testing::TempDir;

namespace {

// One database for every tab: training five objectives is the slow part.
class StudioTabScreenshots : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->file("runs.sqlite");
    const std::string command = std::string("\"") + MULTIPOS_BINARY + "\" train --config \"" +
                                MULTIPOS_SOURCE_DIR + "/assets/presets/quick.json\" --db \"" + db_ +
                                "\" --objective infonce,rand1lh,jointlh,summarglh,lsepair --steps 30 > \"" +
                                dir_->file("train.txt") + "\" 2>&1";
    trained_ = std::system(command.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void shoot(const std::string& tab) {
    const std::string xvfb_run = MULTIPOS_XVFB_RUN;
    if (xvfb_run.empty()) GTEST_SKIP() << "xvfb-run not found: install the xvfb package";
    ASSERT_TRUE(trained_) << "multipos train failed, see " << dir_->file("train.txt");
    const std::string png = dir_->file(tab + ".png");
    const std::string command = xvfb_run + " -a -s \"-screen 0 1600x1000x24\" \"" + MULTIPOS_BINARY +
                                "\" studio --db \"" + db_ + "\" --tab " + tab + " --screenshot \"" + png +
                                "\" --frames 12 --width 1600 --height 1000 > \"" + dir_->file(tab + ".txt") +
                                "\" 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::error_code ignored;
    std::filesystem::copy_file(png, "studio_tab_" + tab + ".png",
                               std::filesystem::copy_options::overwrite_existing, ignored);
    const multipos::testing::PngImage image(png);
    ASSERT_NE(image.pixels, nullptr) << "cannot read " << png;
    EXPECT_EQ(image.width, 1600);
    EXPECT_EQ(image.height, 1000);
    // Filled bands, lines, bars and text: far more colors than an empty panel.
    EXPECT_GT(image.distinct_colors(), 300u);
  }

  static TempDir* dir_;
  static std::string db_;
  static bool trained_;
};

TempDir* StudioTabScreenshots::dir_ = nullptr;
std::string StudioTabScreenshots::db_;
bool StudioTabScreenshots::trained_ = false;

}  // namespace

TEST_F(StudioTabScreenshots, Curves) { shoot("curves"); }
TEST_F(StudioTabScreenshots, ProbabilityMass) { shoot("mass"); }
TEST_F(StudioTabScreenshots, GradientAllocation) { shoot("gradient"); }
TEST_F(StudioTabScreenshots, QueryInspector) { shoot("inspector"); }
TEST_F(StudioTabScreenshots, Dataset) { shoot("dataset"); }

TEST(StudioTabOption, UnknownTabIsAUsageError) {
  const std::string command = std::string("\"") + MULTIPOS_BINARY + "\" studio --tab nope 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(output.find("--tab"), std::string::npos) << output;
}

// Three seeds of one config: the Curves tab with seed bands on the epoch axis, set through the
// settings file the studio reads (--settings), as a user's saved session would.
TEST(StudioSeedBandScreenshot, MeanAndMinMaxBandOverSeedsOnTheEpochAxis) {
  const std::string xvfb_run = MULTIPOS_XVFB_RUN;
  if (xvfb_run.empty()) GTEST_SKIP() << "xvfb-run not found: install the xvfb package";
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  for (int seed = 1; seed <= 3; ++seed) {
    const std::string command = std::string("\"") + MULTIPOS_BINARY + "\" train --config \"" + MULTIPOS_SOURCE_DIR +
                                "/assets/presets/quick.json\" --db \"" + db + "\" --objective jointlh --group seeds --steps 40 --seed " +
                                std::to_string(seed) + " > \"" + dir.file("train.txt") + "\" 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << "see " << dir.file("train.txt");
  }
  const std::string settings = dir.file("studio.json");
  std::ofstream(settings) << R"({"seed_bands": true, "x_axis": "epoch", "smoothing": 0.3, "tab": "curves"})";
  const std::string png = dir.file("bands.png");
  const std::string command = xvfb_run + " -a -s \"-screen 0 1600x1000x24\" \"" + MULTIPOS_BINARY + "\" studio --db \"" +
                              db + "\" --settings \"" + settings + "\" --screenshot \"" + png +
                              "\" --frames 12 --width 1600 --height 1000 > \"" + dir.file("studio.txt") + "\" 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::error_code ignored;
  std::filesystem::copy_file(png, "studio_tab_curves_seed_bands.png", std::filesystem::copy_options::overwrite_existing,
                             ignored);
  const multipos::testing::PngImage image(png);
  ASSERT_NE(image.pixels, nullptr) << "cannot read " << png;
  EXPECT_GT(image.distinct_colors(), 300u);
  // The studio kept (rewrote) the settings it was given: the file is still valid JSON with them.
  std::ifstream in(settings);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"x_axis\": \"epoch\""), std::string::npos) << text;
}
