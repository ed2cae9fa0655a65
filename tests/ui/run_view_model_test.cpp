// Merging incremental store rows into per-run series, series listing, selection, filter and sort.
#include <gtest/gtest.h>

#include "ui/models/run_selection.hpp"
#include "ui/models/run_view_model.hpp"

namespace store = multipos::store;
using multipos::ui::RunColumn;
using multipos::ui::RunSelection;
using multipos::ui::RunViewModel;

namespace {

store::ScalarPoint point(int64_t row_id, int64_t run_id, const std::string& name, int64_t step,
                         double value) {
  store::ScalarPoint p;
  p.row_id = row_id;
  p.run_id = run_id;
  p.name = name;
  p.step = step;
  p.value = value;
  return p;
}

store::RunRecord run(int64_t id, const std::string& name, const std::string& status,
                     const std::string& objective = "infonce") {
  store::RunRecord record;
  record.id = id;
  record.name = name;
  record.status = status;
  record.objective = objective;
  record.dataset = "synthetic";
  return record;
}

}  // namespace

TEST(RunViewModel, MergesIncrementalRowsPerRunAndSeries) {
  RunViewModel model;
  model.merge_points({point(1, 1, "loss", 0, 2.0), point(2, 1, "lr", 0, 1e-4),
                      point(3, 2, "loss", 0, 3.0)});
  model.merge_points({point(4, 1, "loss", 1, 1.5), point(5, 2, "loss", 1, 2.5)});
  const auto* loss = model.series(1, "loss");
  ASSERT_NE(loss, nullptr);
  EXPECT_EQ(loss->steps, (std::vector<double>{0, 1}));
  EXPECT_EQ(loss->values, (std::vector<double>{2.0, 1.5}));
  EXPECT_EQ(model.series(2, "loss")->values.size(), 2u);
  EXPECT_EQ(model.series(2, "lr"), nullptr);
  EXPECT_EQ(model.last_row_id(), 5);
  EXPECT_EQ(model.point_count(), 5u);
}

TEST(RunViewModel, IgnoresRowsAlreadyMergedAndKeepsStepsSorted) {
  RunViewModel model;
  model.merge_points({point(1, 1, "loss", 10, 1.0), point(2, 1, "loss", 20, 0.8)});
  model.merge_points({point(2, 1, "loss", 20, 0.8)});  // overlapping poll
  model.merge_points({point(3, 1, "loss", 15, 0.9)});  // a resumed run rewrote an earlier step
  const auto* loss = model.series(1, "loss");
  EXPECT_EQ(loss->steps, (std::vector<double>{10, 15, 20}));
  EXPECT_EQ(loss->values, (std::vector<double>{1.0, 0.9, 0.8}));
  EXPECT_EQ(model.point_count(), 3u);
}

TEST(RunViewModel, ListsSeriesNamesLossFirst) {
  RunViewModel model;
  model.merge_points({point(1, 1, "lr", 0, 1), point(2, 1, "loss", 0, 1),
                      point(3, 2, "diag/positive_mass", 0, 1), point(4, 2, "examples_per_s", 0, 1)});
  EXPECT_EQ(model.series_names(),
            (std::vector<std::string>{"loss", "diag/positive_mass", "examples_per_s", "lr"}));
  EXPECT_EQ(model.series_names({2}), (std::vector<std::string>{"diag/positive_mass", "examples_per_s"}));
  EXPECT_TRUE(model.series_names({7}).empty());
}

TEST(RunViewModel, DropsSeriesOfDeletedRunsButKeepsRunsNotListedYet) {
  RunViewModel model;
  model.merge_points({point(1, 1, "loss", 0, 1), point(2, 2, "loss", 0, 1), point(3, 3, "loss", 0, 1)});
  const uint64_t before = model.revision();
  model.set_runs({run(2, "b", "running")});  // run 1 deleted; run 3 created after the listing
  EXPECT_GT(model.revision(), before);
  EXPECT_EQ(model.series(1, "loss"), nullptr);
  EXPECT_NE(model.series(2, "loss"), nullptr);
  EXPECT_NE(model.series(3, "loss"), nullptr);
  EXPECT_EQ(model.point_count(), 2u);
  ASSERT_NE(model.find_run(2), nullptr);
  EXPECT_EQ(model.find_run(2)->name, "b");
}

TEST(RunSelection, PlainCtrlAndShiftClicks) {
  RunSelection selection;
  const std::vector<int64_t> order{5, 4, 3, 2, 1};
  selection.click(4, false, false, order);
  EXPECT_EQ(selection.ids(), (std::vector<int64_t>{4}));
  selection.click(2, false, true, order);  // shift: range from 4 to 2 in table order
  EXPECT_EQ(selection.ids(), (std::vector<int64_t>{4, 3, 2}));
  selection.click(3, true, false, order);  // ctrl: toggle off
  EXPECT_EQ(selection.ids(), (std::vector<int64_t>{4, 2}));
  selection.click(5, true, false, order);  // ctrl: toggle on, becomes the anchor
  EXPECT_TRUE(selection.contains(5));
  selection.click(1, false, false, order);
  EXPECT_EQ(selection.ids(), (std::vector<int64_t>{1}));
  selection.retain({run(2, "b", "running")});
  EXPECT_TRUE(selection.empty());
}

TEST(RunFilter, MatchesEveryWordCaseInsensitively) {
  const auto record = run(12, "MSMARCO-multi", "failed", "multi_positive");
  EXPECT_TRUE(multipos::ui::run_matches_filter(record, ""));
  EXPECT_TRUE(multipos::ui::run_matches_filter(record, "msmarco FAILED"));
  EXPECT_TRUE(multipos::ui::run_matches_filter(record, "#12"));
  EXPECT_FALSE(multipos::ui::run_matches_filter(record, "msmarco running"));
}

TEST(RunSort, SortsByKeysThenId) {
  std::vector<store::RunRecord> runs{run(1, "b", "running"), run(2, "a", "failed"),
                                     run(3, "c", "running")};
  runs[0].last_step = 50;
  runs[1].last_step = 10;
  runs[2].last_step = 90;
  auto rows = multipos::ui::visible_runs(runs, "", {{RunColumn::steps, false}});
  EXPECT_EQ(rows[0]->id, 3);
  EXPECT_EQ(rows[2]->id, 2);
  rows = multipos::ui::visible_runs(runs, "running", {{RunColumn::name, true}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]->name, "b");
  rows = multipos::ui::visible_runs(runs, "", {{RunColumn::status, true}});
  EXPECT_EQ(rows[0]->status, "failed");
  EXPECT_EQ(rows[1]->id, 1);  // ties keep id order
}
