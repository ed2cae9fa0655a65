#include "app/studio_command.hpp"

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <set>

#include "app/commands/cli_args.hpp"
#include "app/platform/glfw_platform.hpp"
#include "ui/studio.hpp"
#include "ui/studio_style.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos studio [--db FILE] [--width W] [--height H] [--tab TAB]\n"
    "                       [--screenshot FILE.png] [--frames N]\n"
    "  --db FILE          run store to show (default: $XDG_DATA_HOME/multipos/runs.sqlite,\n"
    "                     or ~/.local/share/multipos/runs.sqlite)\n"
    "  --width, --height  window size in pixels (default 1600 x 1000)\n"
    "  --screenshot FILE  render --frames frames (default 5), save the window as PNG, exit\n"
    "  --frames N         number of frames to render before exiting\n"
    "  --tab TAB          open on a view: curves (default), mass, gradient, inspector\n";

struct StudioArgs {
  std::string db_path;
  std::string screenshot_path;
  int frames = 0;  // 0 = until the window is closed
  int width = 1600, height = 1000;
  ui::StudioTab tab = ui::StudioTab::curves;
};

const std::set<std::string> kValueOptions{"db", "screenshot", "frames", "width", "height", "tab"};

StudioArgs parse_args(const std::vector<std::string>& args) {
  const CliArgs cli(args, kValueOptions, {"help"});
  if (!cli.positional().empty()) throw UsageError("unexpected argument '" + cli.positional()[0] + "'");
  StudioArgs parsed;
  parsed.db_path = cli.has("db") ? *cli.get("db") : default_database_path();
  parsed.screenshot_path = cli.get_or("screenshot", "");
  parsed.frames = static_cast<int>(cli.integer("frames", parsed.screenshot_path.empty() ? 0 : 5));
  parsed.width = static_cast<int>(cli.integer("width", 1600));
  parsed.height = static_cast<int>(cli.integer("height", 1000));
  const std::string tab = cli.get_or("tab", "curves");
  if (!ui::parse_studio_tab(tab, parsed.tab)) {
    throw UsageError("option --tab: expected curves, mass, gradient or inspector, got '" + tab + "'");
  }
  if (parsed.frames < 0) throw UsageError("option --frames: expected a count >= 0");
  if (!parsed.screenshot_path.empty() && parsed.frames < 1) {
    throw UsageError("option --frames: a screenshot needs at least one frame");
  }
  if (parsed.width < 200 || parsed.height < 150 || parsed.width > 16384 || parsed.height > 16384) {
    throw UsageError("options --width/--height: expected 200..16384 x 150..16384 pixels");
  }
  return parsed;
}

// The frame loop; returns the exit code.
int run_studio(Platform& platform, ui::Studio& studio, const StudioArgs& args) {
  for (int frame = 1;; ++frame) {
    if (!platform.begin_frame()) return 0;
    studio.frame();
    platform.end_frame();
    const bool last = args.frames > 0 && frame >= args.frames;
    if (last && !args.screenshot_path.empty()) {
      std::string error;
      if (!platform.save_screenshot(args.screenshot_path, error)) {
        std::fprintf(stderr, "multipos studio: screenshot failed: %s\n", error.c_str());
        return 1;
      }
      std::printf("wrote %s\n", args.screenshot_path.c_str());
    }
    platform.present();
    if (last) return 0;
  }
}

}  // namespace

int studio_command(const std::vector<std::string>& args) {
  StudioArgs parsed;
  try {
    if (CliArgs(args, kValueOptions, {"help"}).has("help")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    parsed = parse_args(args);
  } catch (const UsageError& error) {
    std::fprintf(stderr, "multipos studio: %s\n%s", error.what(), kUsage);
    return 2;
  } catch (const std::exception& error) {  // e.g. the default data directory cannot be created
    std::fprintf(stderr, "multipos studio: %s\n", error.what());
    return 1;
  }

  std::unique_ptr<GlfwPlatform> platform;
  try {
    WindowOptions window;
    window.width = parsed.width;
    window.height = parsed.height;
    window.idle_wait_seconds = parsed.screenshot_path.empty() ? 0.1 : 0.0;
    platform = std::make_unique<GlfwPlatform>(window);
  } catch (const PlatformError& error) {
    std::fprintf(stderr, "multipos studio: %s\n", error.what());
    return 1;
  }
  const float scale = platform->content_scale();
  if (!ui::load_studio_font(scale)) {
    std::fprintf(stderr, "multipos studio: %s not found, using ImGui's built-in font\n",
                 ui::kDefaultFontPath);
  }
  ui::apply_studio_style(scale);

  ui::StudioOptions options;
  options.db_path = parsed.db_path;
  options.initial_tab = parsed.tab;
  ui::Studio studio(options);
  if (!parsed.screenshot_path.empty()) {
    // A screenshot should show the data, not the instant before the first poll answered.
    studio.wait_for_first_poll(std::chrono::seconds(10));
  }
  return run_studio(*platform, studio, parsed);
}

}  // namespace multipos::app
