// The background poller: incremental rows only, and missing / foreign / newer-schema databases
// reported as health instead of exceptions.
#include <gtest/gtest.h>

#include <fstream>

#include <sqlite3.h>

#include "tests/ui/ui_test_support.hpp"
#include "ui/models/run_view_model.hpp"
#include "ui/background/store_poller.hpp"

using multipos::ui::RunViewModel;
using multipos::ui::StoreHealth;
using multipos::ui::StorePoller;
using multipos::ui::StoreUpdate;
using multipos::ui::testing::eventually;
using multipos::ui::testing::TempDir;
namespace store = multipos::store;

namespace {

// Takes updates into `model` until `condition` holds; remembers the latest health.
bool poll_until(StorePoller& poller, RunViewModel& model, StoreHealth& health,
                const std::function<bool()>& condition) {
  return eventually([&] {
    StoreUpdate update = poller.take_update();
    if (update.health_changed) health = update.health;
    if (update.has_runs) model.set_runs(std::move(update.runs));
    model.merge_points(update.points);
    return condition();
  });
}

}  // namespace

TEST(StorePoller, DeliversRunsThenOnlyNewRows) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  std::vector<int64_t> ids;
  multipos::ui::testing::fill_demo_store(db, 100, &ids);
  StorePoller poller(db, std::chrono::milliseconds(20));
  RunViewModel model;
  StoreHealth health;
  ASSERT_TRUE(poll_until(poller, model, health, [&] { return model.point_count() == 600; }));
  EXPECT_EQ(health.state, StoreHealth::State::connected);
  EXPECT_EQ(model.runs().size(), 3u);

  store::RunStore writer(db);
  writer.append_scalars(ids[0], {{"loss", 100, store::now_seconds(), 0.1},
                                 {"diag/positive_mass", 100, store::now_seconds(), 0.7}});
  ASSERT_TRUE(poll_until(poller, model, health, [&] { return model.point_count() == 602; }));
  EXPECT_EQ(model.series(ids[0], "loss")->steps.back(), 100);
  EXPECT_EQ(model.series_names().front(), "loss");
  EXPECT_EQ(model.series(ids[0], "diag/positive_mass")->values.size(), 1u);
}

TEST(StorePoller, ReportsMissingDatabaseAndPicksItUpLater) {
  TempDir dir;
  const std::string db = dir.file("later.sqlite");
  StorePoller poller(db, std::chrono::milliseconds(20));
  RunViewModel model;
  StoreHealth health;
  ASSERT_TRUE(poll_until(poller, model, health,
                         [&] { return health.state == StoreHealth::State::missing; }));
  EXPECT_NE(health.message.find(db), std::string::npos);
  multipos::ui::testing::fill_demo_store(db, 10);
  ASSERT_TRUE(poll_until(poller, model, health, [&] { return model.point_count() == 60; }));
  EXPECT_EQ(health.state, StoreHealth::State::connected);
}

TEST(StorePoller, ReportsForeignFileAsFailure) {
  TempDir dir;
  const std::string path = dir.file("notes.sqlite");
  std::ofstream(path) << "this is not a database, just some text that is long enough to matter\n";
  StorePoller poller(path, std::chrono::milliseconds(20));
  RunViewModel model;
  StoreHealth health;
  ASSERT_TRUE(poll_until(poller, model, health,
                         [&] { return health.state == StoreHealth::State::failed; }));
  EXPECT_FALSE(health.message.empty());
}

TEST(StorePoller, ReportsNewerSchemaAsFailure) {
  TempDir dir;
  const std::string db = dir.file("future.sqlite");
  multipos::ui::testing::fill_demo_store(db, 5);
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  const std::string bump = "PRAGMA user_version = " + std::to_string(store::kSchemaVersion + 1);
  ASSERT_EQ(sqlite3_exec(handle, bump.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(handle);

  StorePoller poller(db, std::chrono::milliseconds(20));
  RunViewModel model;
  StoreHealth health;
  ASSERT_TRUE(poll_until(poller, model, health,
                         [&] { return health.state == StoreHealth::State::failed; }));
  EXPECT_NE(health.message.find("newer"), std::string::npos) << health.message;
  EXPECT_EQ(model.point_count(), 0u);
}
