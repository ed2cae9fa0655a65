// End to end: a short real training of three objectives (`multipos train`, quick preset, which
// adds the group's bm25 baseline) then `multipos studio --tab compare --screenshot` under Xvfb,
// and the same with the "New runs" modal open. The PNGs are kept in the test's working directory
// (studio_compare.png, studio_new_runs.png) for people looking at failures and for the docs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/store/run_store.hpp"
#include "tests/support/png_image.hpp"
#include "tests/ui/ui_test_support.hpp"

using multipos::ui::testing::TempDir;

namespace {

class StudioCompareScreenshots : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = dir_->file("runs.sqlite");
    const std::string command = std::string("\"") + MULTIPOS_BINARY + "\" train --config \"" + MULTIPOS_SOURCE_DIR +
                                "/assets/presets/quick.json\" --db \"" + db_ +
                                "\" --objective infonce,jointlh,lsepair --steps 20 > \"" + dir_->file("train.txt") +
                                "\" 2>&1";
    trained_ = std::system(command.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Renders the studio with `options` and checks the PNG.
  void shoot(const std::string& name, const std::string& options) {
    const std::string xvfb_run = MULTIPOS_XVFB_RUN;
    if (xvfb_run.empty()) GTEST_SKIP() << "xvfb-run not found: install the xvfb package";
    ASSERT_TRUE(trained_) << "multipos train failed, see " << dir_->file("train.txt");
    const std::string png = dir_->file(name + ".png");
    const std::string command = xvfb_run + " -a -s \"-screen 0 1600x1000x24\" \"" + MULTIPOS_BINARY +
                                "\" studio --db \"" + db_ + "\" " + options + " --screenshot \"" + png +
                                "\" --frames 12 --width 1600 --height 1000 > \"" + dir_->file(name + ".txt") +
                                "\" 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::error_code ignored;
    std::filesystem::copy_file(png, "studio_" + name + ".png", std::filesystem::copy_options::overwrite_existing,
                               ignored);
    const multipos::testing::PngImage image(png);
    ASSERT_NE(image.pixels, nullptr) << "cannot read " << png;
    EXPECT_EQ(image.width, 1600);
    EXPECT_EQ(image.height, 1000);
    EXPECT_GT(image.distinct_colors(), 300u);  // text, tinted cells, swatches: not an empty panel
  }

  static TempDir* dir_;
  static std::string db_;
  static bool trained_;
};

TempDir* StudioCompareScreenshots::dir_ = nullptr;
std::string StudioCompareScreenshots::db_;
bool StudioCompareScreenshots::trained_ = false;

}  // namespace

TEST_F(StudioCompareScreenshots, CompareTabAgainstTheBm25Baseline) {
  shoot("compare", "--tab compare");
  // The database the screenshot shows: three training runs and the bm25 baseline, all evaluated.
  multipos::store::RunStore store(db_, multipos::store::RunStore::Mode::read_only);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 4u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, "finished") << run.name;
    EXPECT_FALSE(store.evaluations(run.id, "dev").empty()) << run.name;
  }
}

TEST_F(StudioCompareScreenshots, NewRunsModal) { shoot("new_runs", "--new-runs"); }
