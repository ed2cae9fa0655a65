// The studio's run management and data features against a real run store, headless: tags/notes,
// delete (rows, checkpoints, log), resume of a stopped run, duplicate-and-edit with the dataset
// form's checks (the app's dataset check, off the UI thread), settings kept between sessions.
// The Dataset tab and the query inspector: studio_store_only_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <imgui.h>
#include <nlohmann/json.hpp>

#include "app/platform/null_platform.hpp"
#include "core/objectives/positive_sampling.hpp"
#include "tests/ui/ui_test_support.hpp"
#include "core/data/dataset_stats.hpp"
#include "ui/models/launch_request.hpp"
#include "ui/panels/launch_data_form.hpp"
#include "ui/background/run_control.hpp"
#include "ui/studio.hpp"

using multipos::app::NullPlatform;
using namespace multipos::ui;
using multipos::ui::testing::eventually;
using multipos::ui::testing::TempDir;
namespace store = multipos::store;

namespace {

const nlohmann::json kSmallSynthetic = {
    {"kind", "synthetic"}, {"topics", 3}, {"subtopics_per_topic", 2}, {"queries_per_subtopic", 3}, {"seed", 5}};

int64_t add_run(store::RunStore& db, const std::string& name, const nlohmann::json& config) {
  store::NewRun run;
  run.name = name;
  run.objective = config.value("objective", nlohmann::json::object()).value("name", "infonce");
  run.config_json = config.dump();
  run.total_steps = 100;
  return db.create_run(run);
}

bool has_message(RunControl& control, std::vector<ControlMessage>& seen, const std::string& part) {
  for (auto& message : control.take_messages()) seen.push_back(std::move(message));
  for (const auto& message : seen) {
    if (message.text.find(part) != std::string::npos) return true;
  }
  return false;
}

void run_frames(NullPlatform& platform, Studio& studio, int frames) {
  for (int i = 0; i < frames; ++i) {
    ASSERT_TRUE(platform.begin_frame());
    studio.frame();
    platform.end_frame();
  }
}

}  // namespace

TEST(StudioFeatures, DeleteAndResumeThroughRunControl) {
  TempDir dir;
  const std::string db_path = dir.file("runs.sqlite");
  int64_t stopped = 0, finished = 0, running = 0;
  {
    store::RunStore db(db_path);
    stopped = add_run(db, "stopped", {{"steps", 100}});
    finished = add_run(db, "finished", {{"steps", 100}});
    running = add_run(db, "running", {{"steps", 100}});
    db.mark_started(stopped, 0, "host");
    db.mark_finished(stopped, store::RunStatus::stopped);
    db.mark_started(finished, 0, "host");
    db.mark_finished(finished, store::RunStatus::finished);
    db.mark_started(running, 0, "host");
  }
  // The finished run's files beside the database.
  const std::string absolute = std::filesystem::absolute(db_path).lexically_normal().string();
  const std::string checkpoint = absolute + ".checkpoints/run-" + std::to_string(finished) + "/final";
  const std::string log = absolute + ".logs/run-" + std::to_string(finished) + ".log";
  std::filesystem::create_directories(checkpoint);
  std::ofstream(checkpoint + "/model.safetensors") << "x";
  std::filesystem::create_directories(absolute + ".logs");
  std::ofstream(log) << "log";

  RunControlOptions options;
  options.db_path = db_path;
  options.worker_executable = "/bin/true";  // a resumed run's "worker" exits at once
  options.hand_over_on_exit = false;
  std::vector<ControlMessage> seen;
  {
    RunControl control(options);
    control.remove(running);  // refused: a worker would keep writing
    control.remove(finished);
    control.resume(stopped);
    ASSERT_TRUE(eventually([&] { return control.pending() == 0; }));
    EXPECT_TRUE(has_message(control, seen, "is running; stop it before deleting it"));
    EXPECT_TRUE(has_message(control, seen, "Deleted run #" + std::to_string(finished)));
    EXPECT_TRUE(has_message(control, seen, "Queued run #" + std::to_string(stopped) + " again"));
  }
  store::RunStore db(db_path, store::RunStore::Mode::read_only);
  EXPECT_FALSE(db.find_run(finished).has_value());
  EXPECT_FALSE(std::filesystem::exists(absolute + ".checkpoints/run-" + std::to_string(finished)));
  EXPECT_FALSE(std::filesystem::exists(log));
  EXPECT_TRUE(db.find_run(running).has_value());
  EXPECT_NE(db.find_run(stopped)->status, "stopped");  // queued again (or already picked up)
}

TEST(StudioFeatures, TagsAndNotesAreSaved) {
  TempDir dir;
  const std::string db_path = dir.file("runs.sqlite");
  int64_t id = 0;
  {
    store::RunStore db(db_path);
    id = add_run(db, "a", {{"steps", 10}});
  }
  RunControlOptions options;
  options.db_path = db_path;
  options.hand_over_on_exit = false;
  {
    RunControl control(options);
    control.set_notes(id, "baseline keep", "lr 0.1 was too high");
    ASSERT_TRUE(eventually([&] { return control.pending() == 0; }));
  }
  store::RunStore db(db_path, store::RunStore::Mode::read_only);
  EXPECT_EQ(db.find_run(id)->tags, "baseline keep");
  EXPECT_EQ(db.find_run(id)->notes, "lr 0.1 was too high");
}

TEST(StudioFeatures, DuplicateFillsTheFormAndTheDatasetFormChecksPathsAndRates) {
  TempDir dir;
  // The app's check (app/studio_command.cpp): the studio links no loader, the app injects it.
  RunFactory factory;
  factory.check_dataset = [](const nlohmann::json& spec) {
    return multipos::data::load_and_describe(spec, "the launch form (dataset)");
  };
  LaunchPanel panel(std::string(MULTIPOS_SOURCE_DIR) + "/assets", &factory);
  store::RunRecord run;
  run.id = 12;
  run.objective = "lsepair";
  run.config_json = nlohmann::json{{"name", "old"},
                                   {"steps", 77},
                                   {"seed", 3},
                                   {"optimizer", {{"lr", 0.02}}},
                                   {"objective", {{"name", "lsepair"}, {"temperature", 0.05}}},
                                   {"dataset", kSmallSynthetic},
                                   {"encoder", {{"kind", "bag"}, {"embedding_dim", 32}}}}
                        .dump();
  ASSERT_TRUE(panel.duplicate(run));
  LaunchRequest& draft = panel.draft();
  EXPECT_EQ(draft.steps, 77);
  EXPECT_EQ(draft.seed, 3);
  EXPECT_DOUBLE_EQ(draft.lr, 0.02);
  EXPECT_EQ(draft.objectives, std::vector<std::string>{"lsepair"});
  EXPECT_EQ(draft.base_label, "run #12");
  EXPECT_FALSE(draft.base_config.contains("name"));
  EXPECT_EQ(draft.dataset["topics"], 3);
  EXPECT_EQ(draft.encoder["embedding_dim"], 32);
  EXPECT_TRUE(panel.errors().empty()) << panel.errors().front().message;
  // The dataset is loaded in the background: the loader's own checks reach the form.
  ASSERT_TRUE(eventually([&] { return panel.dataset_check().state == DatasetCheck::State::ok; }));
  EXPECT_NE(panel.dataset_check().message.find("passages"), std::string::npos);
  draft.dataset["topicz"] = 3;
  ASSERT_TRUE(eventually([&] { return panel.dataset_check().state == DatasetCheck::State::failed; }));
  EXPECT_NE(panel.dataset_check().message.find("topicz"), std::string::npos) << panel.dataset_check().message;
  draft.dataset.erase("topicz");

  // A folder format needs a folder that exists; regime and noise survive the kind change.
  draft.dataset["noise"] = {{"false_positive_rate", 0.2}};
  change_dataset_kind(draft.dataset, "beir");
  EXPECT_FALSE(draft.dataset.contains("topics"));
  EXPECT_EQ(draft.dataset["noise"]["false_positive_rate"], 0.2);
  ASSERT_EQ(panel.errors().size(), 1u);
  EXPECT_EQ(panel.errors()[0].field, "dataset");
  EXPECT_NE(panel.errors()[0].message.find("dataset.path"), std::string::npos);
  draft.dataset["path"] = dir.file("nowhere");
  ASSERT_EQ(panel.errors().size(), 1u);
  EXPECT_NE(panel.errors()[0].message.find("does not exist"), std::string::npos);
  draft.dataset["path"] = dir.path().string();
  EXPECT_TRUE(panel.errors().empty());
  draft.dataset["noise"]["false_positive_rate"] = 1.0;
  ASSERT_EQ(panel.errors().size(), 1u);
  EXPECT_NE(panel.errors()[0].message.find("dataset.noise.false_positive_rate"), std::string::npos);
  // TREC reads three files, each checked.
  change_dataset_kind(draft.dataset, "trec");
  EXPECT_EQ(check_dataset_spec(draft.dataset).size(), 4u);  // corpus, queries, qrels, noise rate
  EXPECT_FALSE(panel.launch());  // errors (and no factory to create runs): nothing launched
  // Without a factory's check the form shows no dataset check (and launching stays disabled).
  LaunchPanel bare(std::string(MULTIPOS_SOURCE_DIR) + "/assets", nullptr);
  ASSERT_TRUE(bare.duplicate(run));
  EXPECT_EQ(bare.dataset_check().state, DatasetCheck::State::none);
}

// Issue #24: the form's "Positives" field offers exactly the engine's schemes and refuses any other
// value under its own field, naming the valid ones; "" keeps the preset's setting.
TEST(StudioFeatures, LaunchFormChecksPositiveSamplingAgainstTheEnginesSchemes) {
  LaunchRequest request;
  request.preset_path = std::string(MULTIPOS_SOURCE_DIR) + "/assets/presets/demo.json";
  request.objectives = {"lsepair"};
  ASSERT_TRUE(check_launch_ranges(request).empty()) << check_launch_ranges(request).front().message;
  ASSERT_EQ(multipos::objectives::positive_sampling_schemes(),
            (std::vector<std::string>{"first", "rotate", "random", "graded_random"}));
  for (const std::string& scheme : multipos::objectives::positive_sampling_schemes()) {
    request.positive_sampling = scheme;
    EXPECT_TRUE(check_launch_ranges(request).empty()) << scheme;
  }
  for (const std::string bad : {"sideways", "Rotate", "rotate "}) {
    request.positive_sampling = bad;
    const auto errors = check_launch_ranges(request);
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].field, "positive_sampling");
    EXPECT_NE(errors[0].message.find("first, rotate, random, graded_random"), std::string::npos) << errors[0].message;
  }
  request.positive_sampling.clear();
  request.cache_chunk = -1;
  const auto errors = check_launch_ranges(request);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "cache_chunk");
}

TEST(StudioFeatures, SettingsPersistBetweenSessions) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  multipos::ui::testing::fill_demo_store(db, 20);
  const std::string settings = dir.file("config/multipos/studio.json");
  NullPlatform platform(1200, 800);
  {
    StudioOptions options{db, std::chrono::milliseconds(20)};
    options.settings_path = settings;
    Studio studio(options);
    run_frames(platform, studio, 2);
    studio.chart().set_x_axis(XAxis::wall_time);
    studio.chart().set_smoothing(0.25f);
    studio.chart().set_seed_bands(true);
    studio.runs_table().set_filter("jointlh");
    studio.runs_table().status_filter().set("failed", false);
    studio.show_tab(StudioTab::dataset);
    run_frames(platform, studio, 2);
  }
  ASSERT_TRUE(std::filesystem::exists(settings));
  StudioOptions options{db, std::chrono::milliseconds(20)};
  options.settings_path = settings;
  Studio studio(options);
  run_frames(platform, studio, 2);
  EXPECT_EQ(studio.chart().x_axis(), XAxis::wall_time);
  EXPECT_FLOAT_EQ(studio.chart().smoothing(), 0.25f);
  EXPECT_TRUE(studio.chart().seed_bands());
  EXPECT_EQ(studio.runs_table().filter(), "jointlh");
  EXPECT_FALSE(studio.runs_table().status_filter().shows("failed"));
  EXPECT_EQ(studio.active_tab(), StudioTab::dataset);
  // A broken file gives defaults rather than stopping the studio.
  std::ofstream(dir.file("bad.json")) << "{\"smoothing\": \"high\", \"top_fraction\": 7";
  EXPECT_FLOAT_EQ(load_settings(dir.file("bad.json")).smoothing, 0.6f);
  std::ofstream(dir.file("typed.json")) << R"({"smoothing": "high", "top_fraction": 7, "x_axis": "epoch"})";
  const StudioSettings typed = load_settings(dir.file("typed.json"));
  EXPECT_FLOAT_EQ(typed.smoothing, 0.6f);
  EXPECT_FLOAT_EQ(typed.top_fraction, 0.9f);
  EXPECT_EQ(typed.x_axis, "epoch");
}

namespace {

// Holds `key` down for one frame, then releases it (ImGui counts a press on the first frame down).
void press(NullPlatform& platform, Studio& studio, int key, bool ctrl = false) {
  ImGuiIO& io = ImGui::GetIO();
  io.KeyCtrl = ctrl;
  io.KeysDown[key] = true;
  run_frames(platform, studio, 1);
  io.KeysDown[key] = false;
  io.KeyCtrl = false;
  run_frames(platform, studio, 1);
}

}  // namespace

TEST(StudioFeatures, KeyboardShortcutsSwitchTabsAndOpenDialogs) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  std::vector<int64_t> ids;
  multipos::ui::testing::fill_demo_store(db, 50, &ids);
  NullPlatform platform(1400, 900);
  // The null platform has no key map: give the named keys the indices a GLFW backend uses.
  ImGuiIO& io = ImGui::GetIO();
  io.KeyMap[ImGuiKey_Delete] = 261;
  io.KeyMap[ImGuiKey_Space] = 32;
  io.KeyMap[ImGuiKey_Escape] = 256;
  Studio studio({db, std::chrono::milliseconds(20)});
  ASSERT_TRUE(studio.wait_for_first_poll(std::chrono::seconds(10)));
  run_frames(platform, studio, 2);

  press(platform, studio, '3');
  EXPECT_EQ(studio.active_tab(), StudioTab::gradient);
  press(platform, studio, '6');
  EXPECT_EQ(studio.active_tab(), StudioTab::dataset);
  press(platform, studio, '1');
  EXPECT_EQ(studio.active_tab(), StudioTab::curves);

  // Del on a selection of the finished and the running run: one confirmation, the running one
  // listed but not deletable.
  studio.selection().set({ids[0], ids[1]});  // running, finished
  press(platform, studio, 261);
  EXPECT_TRUE(studio.dialogs().is_open());
  EXPECT_EQ(studio.dialogs().pending_deletions(), std::vector<int64_t>{ids[1]});
  press(platform, studio, 256);  // Esc closes it, nothing deleted
  EXPECT_FALSE(studio.dialogs().is_open());
  EXPECT_TRUE(studio.dialogs().take_deletions().empty());

  // Ctrl+N opens the launch modal; keys typed meanwhile do not switch tabs.
  press(platform, studio, 'N', true);
  EXPECT_TRUE(studio.launch_panel().is_open());
  press(platform, studio, '2');
  EXPECT_EQ(studio.active_tab(), StudioTab::curves);
  EXPECT_FALSE(Studio::shortcuts().empty());
}
