// End to end through a real window: `multipos studio --screenshot` under Xvfb renders a store with
// three runs and writes a PNG of the window's size that is visibly not blank.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>


#include "tests/support/png_image.hpp"
#include "tests/ui/ui_test_support.hpp"

using multipos::ui::testing::TempDir;

namespace {

using StbImage = multipos::testing::PngImage;

}  // namespace

TEST(StudioScreenshot, RendersRunsAndCurvesUnderXvfb) {
  const std::string xvfb_run = MULTIPOS_XVFB_RUN;
  if (xvfb_run.empty()) GTEST_SKIP() << "xvfb-run not found: install the xvfb package to run the screenshot test";
  TempDir dir;
  const std::string db = dir.file("runs.sqlite"), png = dir.file("studio.png");
  multipos::ui::testing::fill_demo_store(db, 400);

  const std::string command = xvfb_run + " -a -s \"-screen 0 1600x1000x24\" \"" + MULTIPOS_BINARY +
                              "\" studio --db \"" + db + "\" --screenshot \"" + png +
                              "\" --frames 5 --width 1280 --height 800 > \"" + dir.file("log.txt") +
                              "\" 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  // Keep a copy for people looking at failures (and docs) next to the test's working directory.
  std::error_code ignored;
  std::filesystem::copy_file(png, "studio_screenshot.png",
                             std::filesystem::copy_options::overwrite_existing, ignored);

  const StbImage image(png);
  ASSERT_NE(image.pixels, nullptr) << "cannot read " << png;
  EXPECT_EQ(image.width, 1280);
  EXPECT_EQ(image.height, 800);
  EXPECT_GT(image.distinct_colors(), 200u);
}

TEST(StudioScreenshot, NoDisplayExplainsHowToOpenTheStudio) {
  const std::string command = std::string("env -u DISPLAY -u WAYLAND_DISPLAY \"") + MULTIPOS_BINARY +
                              "\" studio --db /nonexistent/runs.sqlite 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = pclose(pipe);
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("xvfb-run"), std::string::npos) << output;
}
