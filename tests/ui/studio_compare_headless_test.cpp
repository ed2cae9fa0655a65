// The Compare tab, exports and the "New runs" modal driven headless (null platform) over real
// stores; and the studio's run control launching real workers (`multipos train --db --run`),
// cancelling a queued run and stopping a running one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <imgui.h>
#include <nlohmann/json.hpp>

#include "app/platform/null_platform.hpp"
#include "tests/ui/compare_store_support.hpp"
#include "tests/ui/ui_test_support.hpp"
#include "ui/studio.hpp"
#include "ui/studio_style.hpp"

using multipos::app::NullPlatform;
using multipos::ui::Studio;
using multipos::ui::StudioTab;
using multipos::ui::testing::eventually;
using multipos::ui::testing::TempDir;
namespace store = multipos::store;

namespace {

const std::string kQuickPreset = std::string(MULTIPOS_SOURCE_DIR) + "/assets/presets/quick.json";

// Stands in for the app's CLI-backed factory (test_ui never links LibTorch): the preset as the
// run's config with the objective, steps, seed and lr set, one run per objective, one group.
multipos::ui::RunFactory preset_factory(int* validations = nullptr) {
  multipos::ui::RunFactory factory;
  factory.validate = [validations](const multipos::ui::LaunchRequest& request) {
    if (validations) ++*validations;
    std::vector<std::string> errors;
    if (request.device == "cuda") errors.push_back("quick.json: device: no CUDA device");
    return errors;
  };
  factory.create = [](const multipos::ui::LaunchRequest& request, store::RunStore& store) {
    std::ifstream in(request.preset_path);
    const nlohmann::json preset = nlohmann::json::parse(in);
    std::vector<int64_t> ids;
    for (const auto& objective : request.objectives) {
      nlohmann::json config = preset;
      config["objective"]["name"] = objective;
      config["name"] = "studio/" + objective;
      config["steps"] = request.steps;
      config["seed"] = request.seed;
      config["optimizer"]["lr"] = request.lr;
      store::NewRun run;
      run.name = config["name"];
      run.objective = objective;
      run.dataset = "synthetic";
      run.config_json = config.dump();
      run.group_id = "group-studio";
      run.total_steps = request.steps;
      ids.push_back(store.create_run(run));
    }
    return ids;
  };
  return factory;
}

class StudioCompare : public ::testing::Test {
 protected:
  void start(multipos::ui::StudioOptions options) {
    multipos::ui::apply_studio_style(1.0f);
    studio_ = std::make_unique<Studio>(std::move(options));
    ASSERT_TRUE(studio_->wait_for_first_poll(std::chrono::seconds(10)));
  }
  void frames(int count) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(platform_.begin_frame());
      studio_->frame();
      platform_.end_frame();
    }
  }
  const store::RunRecord* run(int64_t id) { return studio_->model().find_run(id); }

  TempDir dir_;
  std::string db_ = dir_.file("runs.sqlite");
  NullPlatform platform_{1600, 1000};
  std::unique_ptr<Studio> studio_;
};

}  // namespace

TEST_F(StudioCompare, TabComparesAgainstTheGroupsBm25AndExportsTheTable) {
  const auto ids = multipos::ui::testing::fill_compare_store(db_);
  start({db_, std::chrono::milliseconds(20), StudioTab::compare});
  ASSERT_TRUE(eventually([&] {
    frames(1);
    return studio_->compare().result() && !studio_->compare().busy();
  }));
  EXPECT_EQ(studio_->active_tab(), StudioTab::compare);
  EXPECT_EQ(studio_->compare().baseline(), ids.bm25);
  const auto& table = studio_->compare().result()->table;
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[0].run_id, ids.bm25);
  EXPECT_TRUE(table.rows[1].cells[0].significant);
  EXPECT_EQ(studio_->compare().result()->diff.rows.size(), 3u);  // name, objective.name, optimizer.lr
  EXPECT_GT(ImGui::GetDrawData()->TotalVtxCount, 4000);

  // Another baseline: the table is recomputed against it.
  studio_->compare().set_baseline(ids.a);
  ASSERT_TRUE(eventually([&] {
    frames(1);
    return !studio_->compare().busy() && studio_->compare().result()->table.baseline_run_id == ids.a;
  }));
  EXPECT_EQ(studio_->compare().result()->table.rows[0].run_id, ids.a);

  studio_->compare().export_table(false);
  studio_->compare().export_table(true);
  studio_->export_curves_csv();  // no loss points in this store: a warning, no file
  frames(1);
  std::vector<std::string> written;
  for (const auto& entry : std::filesystem::directory_iterator(db_ + ".exports")) {
    written.push_back(entry.path().extension().string());
  }
  std::sort(written.begin(), written.end());
  EXPECT_EQ(written, (std::vector<std::string>{".csv", ".md"}));
  const auto& entries = studio_->log().entries();
  const bool logged = std::any_of(entries.begin(), entries.end(), [&](const auto& entry) {
    return entry.message.find("Exported compare table (Markdown) to " + db_ + ".exports/compare-") == 0;
  });
  EXPECT_TRUE(logged);
}

TEST_F(StudioCompare, CurvesCsvAndPngRequestsLandNextToTheDatabase) {
  multipos::ui::testing::fill_demo_store(db_, 50);
  start({db_, std::chrono::milliseconds(20)});
  frames(2);
  studio_->export_curves_csv();
  const std::string png = studio_->request_png();
  EXPECT_EQ(png.rfind(db_ + ".exports/studio-curves-", 0), 0u) << png;
  EXPECT_EQ(studio_->take_png_request(), png);
  EXPECT_FALSE(studio_->take_png_request().has_value());  // handed out once
  std::string csv_path;
  for (const auto& entry : std::filesystem::directory_iterator(db_ + ".exports")) csv_path = entry.path().string();
  std::ifstream in(csv_path);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "step,#1 demo-infonce,#2 demo-multi_positive,#3 demo-listwise");
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 50);
}

TEST_F(StudioCompare, LaunchModalShowsFieldErrorsBeforeLaunching) {
  multipos::ui::testing::fill_demo_store(db_, 10);
  int validations = 0;
  multipos::ui::StudioOptions options{db_, std::chrono::milliseconds(20)};
  options.run_factory = preset_factory(&validations);
  options.hand_over_queue_on_exit = false;
  start(options);
  auto& panel = studio_->launch_panel();
  ASSERT_FALSE(panel.presets().empty()) << "assets/presets not found";
  EXPECT_EQ(std::filesystem::path(panel.draft().preset_path).filename(), "quick.json");
  EXPECT_EQ(panel.draft().steps, 50);  // filled from the preset
  panel.open();
  frames(2);
  EXPECT_TRUE(panel.is_open());
  EXPECT_TRUE(panel.errors().empty());
  EXPECT_GT(validations, 0);

  panel.draft().objectives.clear();
  panel.draft().lr = -1;
  frames(1);
  std::vector<std::string> fields;
  for (const auto& error : panel.errors()) fields.push_back(error.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"objectives", "lr"}));
  EXPECT_FALSE(panel.launch());

  panel.draft().objectives = {"infonce"};
  panel.draft().lr = 0.05;
  panel.draft().device = "cuda";  // in range, refused by the (injected) config validation
  frames(1);
  ASSERT_EQ(panel.errors().size(), 1u);
  EXPECT_EQ(panel.errors()[0].field, "");
  EXPECT_FALSE(panel.launch());
  EXPECT_GT(ImGui::GetDrawData()->TotalVtxCount, 3000);
}

TEST_F(StudioCompare, LaunchedRunsTrainAsWorkersAndCanBeCancelledAndStopped) {
  multipos::ui::StudioOptions options{db_, std::chrono::milliseconds(20)};
  options.run_factory = preset_factory();
  options.worker_executable = MULTIPOS_BINARY;
  options.hand_over_queue_on_exit = false;
  start(options);
  auto& panel = studio_->launch_panel();

  // Two short runs, both at once: they finish as background workers.
  panel.draft().objectives = {"infonce", "lsepair"};
  panel.draft().steps = 10;
  panel.draft().max_concurrent = 2;
  ASSERT_TRUE(panel.launch());
  ASSERT_TRUE(eventually(
      [&] {
        frames(1);
        const auto& runs = studio_->model().runs();
        return runs.size() == 2 && std::all_of(runs.begin(), runs.end(), [](const auto& r) { return r.status == "finished"; });
      },
      std::chrono::seconds(90)))
      << "runs did not finish; see " << db_ << ".logs/";
  EXPECT_EQ(studio_->selection().ids().size(), 2u);  // the launched group is selected
  EXPECT_EQ(run(1)->group_id, run(2)->group_id);

  // Two long runs, one at a time: cancel the queued one, stop the running one.
  panel.draft().steps = 1000000;
  panel.draft().max_concurrent = 1;
  ASSERT_TRUE(panel.launch());
  ASSERT_TRUE(eventually(
      [&] {
        frames(1);
        return run(3) && run(4) && run(3)->status == "running" && run(3)->pid > 0 && run(3)->last_step >= 0;
      },
      std::chrono::seconds(60)));
  EXPECT_EQ(run(4)->status, "queued");
  studio_->run_control().cancel(4);
  studio_->run_control().stop(3);
  ASSERT_TRUE(eventually(
      [&] {
        frames(1);
        return run(3)->status == "stopped" && run(4)->status == "stopped";
      },
      std::chrono::seconds(60)));
  EXPECT_NE(run(4)->error.find("cancelled"), std::string::npos) << run(4)->error;
  EXPECT_LT(run(3)->last_step, 1000000);
}
