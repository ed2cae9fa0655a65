#include "app/studio_command.hpp"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <thread>

#include <imgui.h>

#include "app/commands/cli_args.hpp"
#include "app/commands/run_creation.hpp"
#include "app/platform/glfw_platform.hpp"
#include "core/data/dataset_stats.hpp"
#include "core/runs/process.hpp"
#include "core/store/run_store.hpp"
#include "ui/studio.hpp"
#include "ui/studio_style.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos studio [--db FILE] [--width W] [--height H] [--tab TAB]\n"
    "                       [--screenshot FILE.png] [--frames N] [--new-runs]\n"
    "                       [--frame-log FILE] [--settings FILE|none]\n"
    "  --db FILE          run store to show (default: $XDG_DATA_HOME/multipos/runs.sqlite,\n"
    "                     or ~/.local/share/multipos/runs.sqlite)\n"
    "  --width, --height  window size in pixels (default 1600 x 1000)\n"
    "  --screenshot FILE  render --frames frames (default 5), save the window as PNG, exit\n"
    "  --frames N         number of frames to render before exiting\n"
    "  --tab TAB          open on a view: curves (default), mass, gradient, inspector, compare,\n"
    "                     dataset, study\n"
    "  --new-runs         open the New runs panel (preset, objectives, steps, ...) at start\n"
    "  --frame-log FILE   write one line per frame: frame number, wall ms and CPU ms of the\n"
    "                     studio's frame (UI work + draw submission, not the wait for input/vsync)\n"
    "                     and the previous frame's whole period (present included)\n"
    "  --settings FILE    the studio's settings (tab, smoothing, x axis, filters, ...); default\n"
    "                     ~/.config/multipos/studio.json with the layout in imgui.ini beside it;\n"
    "                     'none' with --screenshot or --frames (reproducible images and timings)\n";

struct StudioArgs {
  std::string db_path;
  std::string screenshot_path;
  int frames = 0;  // 0 = until the window is closed
  int width = 1600, height = 1000;
  ui::StudioTab tab = ui::StudioTab::curves;
  bool new_runs = false;
  std::string frame_log;
  std::string settings_path;  // "" = none
};

const std::set<std::string> kValueOptions{"db",     "screenshot", "frames",   "width",
                                          "height", "tab",        "frame-log", "settings"};
const std::set<std::string> kSwitches{"help", "new-runs"};

StudioArgs parse_args(const std::vector<std::string>& args) {
  const CliArgs cli(args, kValueOptions, kSwitches);
  if (!cli.positional().empty()) throw UsageError("unexpected argument '" + cli.positional()[0] + "'");
  StudioArgs parsed;
  parsed.db_path = cli.has("db") ? *cli.get("db") : default_database_path();
  parsed.screenshot_path = cli.get_or("screenshot", "");
  parsed.frames = static_cast<int>(cli.integer("frames", parsed.screenshot_path.empty() ? 0 : 5));
  parsed.width = static_cast<int>(cli.integer("width", 1600));
  parsed.height = static_cast<int>(cli.integer("height", 1000));
  parsed.new_runs = cli.has("new-runs");
  parsed.frame_log = cli.get_or("frame-log", "");
  // Scripted runs (screenshots, timings) neither read nor write the user's settings by default.
  const bool scripted = !parsed.screenshot_path.empty() || parsed.frames > 0;
  const std::string settings = cli.get_or("settings", scripted ? "none" : ui::default_config_path("studio.json"));
  parsed.settings_path = settings == "none" ? "" : settings;
  const std::string tab = cli.get_or("tab", "curves");
  if (!ui::parse_studio_tab(tab, parsed.tab)) {
    throw UsageError("option --tab: expected curves, mass, gradient, inspector, compare, dataset or study, got '" + tab + "'");
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

constexpr const char* kScratchPrefix = "multipos-studio-";

// Where a studio keeps the configs of runs it copies: <temporary directory>/multipos-studio-<pid>.
std::filesystem::path scratch_dir(long pid) {
  return std::filesystem::temp_directory_path() / (kScratchPrefix + std::to_string(pid));
}

// Removes the scratch folders of studios that ended without removing theirs (killed, crashed):
// those whose pid no longer runs. A created run keeps its resolved config in the run store, so
// nothing there is needed once its studio is gone.
void remove_stale_scratch_dirs() {
  namespace fs = std::filesystem;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(error), error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kScratchPrefix, 0) != 0) continue;
    const std::string digits = name.substr(std::char_traits<char>::length(kScratchPrefix));
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(digits);
    if (pid == ::getpid() || runs::probe_process(pid).liveness == runs::Liveness::alive) continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

// This studio's scratch folder goes when the studio does (declared before the Studio, so it is
// removed after the Studio's threads have ended).
struct ScratchCleanup {
  ~ScratchCleanup() {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_dir(::getpid()), ignored);
  }
};

// A copied run's config as a file, since create_runs_from_cli reads its config from one: the
// temporary directory, one file per copied run (rewritten whenever the request is checked).
std::string base_config_file(const ui::LaunchRequest& request) {
  namespace fs = std::filesystem;
  const fs::path dir = scratch_dir(::getpid());
  fs::create_directories(dir);
  std::string stem = request.base_label;
  for (char& c : stem) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  const fs::path path = dir / (stem + ".json");
  // Validation (UI thread) and creation (run-control thread) may write it at once: each writes
  // its own file and renames it over the target, so a reader never sees a half-written one.
  const fs::path temporary =
      dir / (stem + ".json.tmp-" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  {
    std::ofstream out(temporary);
    out << request.base_config.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
  return path.string();
}

// The "New runs" panel's arguments as `multipos launch` options, so the studio resolves and
// validates configs exactly as the CLI does (create_runs_from_cli).
CliArgs launch_args(const ui::LaunchRequest& request, bool validate_only) {
  std::string objectives;
  for (const auto& name : request.objectives) objectives += (objectives.empty() ? "" : ",") + name;
  char lr[64];
  std::snprintf(lr, sizeof lr, "%.17g", request.lr);
  const std::string config = request.base_config.is_object() ? base_config_file(request) : request.preset_path;
  std::vector<std::string> args = {"--config", config,                        "--objective", objectives,
                                   "--steps",  std::to_string(request.steps), "--seed",      std::to_string(request.seed),
                                   "--lr",     lr,                            "--device",    request.device};
  // The panel's dataset and encoder objects replace the preset's whole objects.
  if (!request.dataset.is_null()) args.insert(args.end(), {"--set", "dataset=" + request.dataset.dump()});
  if (!request.encoder.is_null()) args.insert(args.end(), {"--set", "encoder=" + request.encoder.dump()});
  // Always: the form's field (filled from the preset or the copied run) is what the user chose.
  args.insert(args.end(), {"--set", "batch.cache_chunk=" + std::to_string(request.cache_chunk)});
  if (!request.positive_sampling.empty())
    args.insert(args.end(), {"--set", "batch.positive_sampling=" + request.positive_sampling});
  // Checking must not build a BM25 index: the baseline is a side effect, not part of the config.
  if (validate_only) args.insert(args.end(), {"--baseline", "none"});
  return CliArgs(args, run_config_options(), {});
}

// Run creation for the studio: the CLI's own path. The studio's ui library cannot link it (it
// pulls in LibTorch through the trainer's config code), so it is injected from here.
ui::RunFactory cli_run_factory() {
  ui::RunFactory factory;
  factory.validate = [](const ui::LaunchRequest& request) -> std::vector<std::string> {
    try {
      // A scratch in-memory store: every config is resolved and validated, nothing is kept.
      store::RunStore scratch(":memory:");
      create_runs_from_cli(launch_args(request, true), scratch);
      return {};
    } catch (const std::exception& error) {
      return {error.what()};
    }
  };
  factory.create = [](const ui::LaunchRequest& request, store::RunStore& store) {
    return create_runs_from_cli(launch_args(request, false), store);
  };
  // The launch form's dataset check loads the data here, in the app: ui/ links no loader.
  factory.check_dataset = [](const nlohmann::json& dataset) {
    return data::load_and_describe(dataset, "the launch form (dataset)");
  };
  return factory;
}

// CPU time of the calling thread in milliseconds.
double thread_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) * 1e-6;
}

// The frame loop; returns the exit code.
int run_studio(Platform& platform, ui::Studio& studio, const StudioArgs& args) {
  // A screenshot waits (a bounded time) for views computed in the background, e.g. Compare's tests.
  const auto settle_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::FILE* frame_log = nullptr;
  if (!args.frame_log.empty()) {
    frame_log = std::fopen(args.frame_log.c_str(), "w");
    if (!frame_log) {
      std::fprintf(stderr, "multipos studio: cannot write the frame log %s\n", args.frame_log.c_str());
      return 1;
    }
    std::fputs("frame wall_ms cpu_ms period_ms\n", frame_log);
  }
  struct CloseLog {
    std::FILE* file;
    ~CloseLog() {
      if (file) std::fclose(file);
    }
  } close_log{frame_log};
  auto previous_start = std::chrono::steady_clock::now();
  for (int frame = 1;; ++frame) {
    // period: from this frame's start to the next one's, present (swap, software GL) included.
    const auto loop_start = std::chrono::steady_clock::now();
    const double period = std::chrono::duration<double, std::milli>(loop_start - previous_start).count();
    previous_start = loop_start;
    if (!platform.begin_frame()) return 0;
    // Timed: the studio's own work and the draw submission; not the wait for input or vsync.
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_ms();
    studio.frame();
    platform.end_frame();
    if (frame_log) {
      const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start).count();
      // The period logged on a frame is that of the frame before it (0 on the first).
      std::fprintf(frame_log, "%d %.3f %.3f %.3f\n", frame, wall, thread_cpu_ms() - cpu_start, frame > 1 ? period : 0.0);
    }
    if (auto png = studio.take_png_request()) {  // "Save PNG": the frame just drawn, before present
      std::string error;
      const bool ok = platform.save_screenshot(*png, error);
      studio.png_written(*png, ok, error);
    }
    const bool settled = args.screenshot_path.empty() || !studio.view_loading() ||
                         std::chrono::steady_clock::now() > settle_deadline;
    const bool last = args.frames > 0 && frame >= args.frames && settled;
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
    if (CliArgs(args, kValueOptions, kSwitches).has("help")) {
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
    // Scripted runs render back to back; an interactive window sleeps until input (or 0.1 s).
    window.idle_wait_seconds = parsed.screenshot_path.empty() && parsed.frame_log.empty() ? 0.1 : 0.0;
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
  options.run_factory = cli_run_factory();
  options.settings_path = parsed.settings_path;
  // ImGui keeps the layout (table columns: widths, order, visibility) beside our settings.
  static std::string ini_path;
  if (!parsed.settings_path.empty()) {
    ini_path = (std::filesystem::path(parsed.settings_path).parent_path() / "imgui.ini").string();
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(ini_path).parent_path(), error);
    ImGui::GetIO().IniFilename = ini_path.c_str();
  }
  remove_stale_scratch_dirs();
  ScratchCleanup scratch_cleanup;
  ui::Studio studio(options);
  if (parsed.new_runs) studio.launch_panel().open();
  if (!parsed.screenshot_path.empty()) {
    // A screenshot should show the data, not the instant before the first poll answered.
    studio.wait_for_first_poll(std::chrono::seconds(10));
    // ... nor a tooltip of wherever the display's pointer happens to be (Xvfb: the center).
    ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NoMouse;
  }
  return run_studio(*platform, studio, parsed);
}

}  // namespace multipos::app
