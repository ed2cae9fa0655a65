// The query inspector's view model (natural order, merging, filter, the table of one query) and
// its background probe reader against a real run store.
#include <gtest/gtest.h>

#include "tests/ui/diagnostic_store_support.hpp"
#include "tests/ui/ui_test_support.hpp"
#include "ui/background/probe_cache.hpp"
#include "ui/models/query_inspector_model.hpp"

namespace store = multipos::store;
using multipos::ui::natural_less;
using multipos::ui::testing::TempDir;

TEST(InspectorModel, NaturalOrderReadsNumbersAsNumbers) {
  EXPECT_TRUE(natural_less("q2", "q10"));
  EXPECT_FALSE(natural_less("q10", "q2"));
  EXPECT_TRUE(natural_less("d9", "d10"));
  EXPECT_TRUE(natural_less("a", "b"));
  EXPECT_TRUE(natural_less("q1", "q1a"));
  EXPECT_FALSE(natural_less("q1", "q1"));
  EXPECT_TRUE(natural_less("q01", "q1") != natural_less("q1", "q01"));  // strict, consistent
}

TEST(InspectorModel, MergesIdsAndStepsAndPicksTheStepAtOrBefore) {
  const std::vector<std::string> a{"q10", "q2"}, b{"q2", "q1"};
  EXPECT_EQ(multipos::ui::merge_query_ids({&a, nullptr, &b}), (std::vector<std::string>{"q1", "q2", "q10"}));
  const std::vector<int64_t> s1{0, 10, 20}, s2{0, 15};
  const auto steps = multipos::ui::merge_steps({&s1, &s2});
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 10, 15, 20}));
  EXPECT_EQ(multipos::ui::step_at_or_before(s2, 20), 15);
  EXPECT_EQ(multipos::ui::step_at_or_before(s2, 15), 15);
  EXPECT_EQ(multipos::ui::step_at_or_before(s1, -1), -1);
  EXPECT_EQ(multipos::ui::filter_ids({"q1", "Q12", "q2"}, "q1"), (std::vector<std::string>{"q1", "Q12"}));
  EXPECT_EQ(multipos::ui::filter_ids({"q1", "q2"}, "  "), (std::vector<std::string>{"q1", "q2"}));
}

TEST(InspectorModel, TableListsPositivesByGradeThenNegativesWithOneCellPerRun) {
  const auto run_a = multipos::ui::testing::probe_rows_for("q1", 10, 0.0);
  auto run_b = multipos::ui::testing::probe_rows_for("q1", 10, 0.1);
  run_b.pop_back();  // run b lacks negative n3
  const auto table = multipos::ui::build_inspector_table({&run_a, nullptr, &run_b});
  ASSERT_EQ(table.rows.size(), 7u);
  // Grade 2 positives first (d8 before d9 in natural order), then the grade-1 one, then negatives.
  EXPECT_EQ(table.rows[0].passage_id, "d8");
  EXPECT_EQ(table.rows[1].passage_id, "d9");
  EXPECT_EQ(table.rows[2].passage_id, "d10");
  EXPECT_EQ(table.rows[3].passage_id, "n0");
  EXPECT_TRUE(table.rows[1].is_false_positive);
  EXPECT_EQ(table.rows[0].label_source, "human");
  ASSERT_EQ(table.rows[0].cells.size(), 3u);
  EXPECT_TRUE(table.rows[0].cells[0].present);
  EXPECT_FALSE(table.rows[0].cells[1].present);
  EXPECT_NEAR(table.rows[0].cells[2].probability, 0.2, 1e-12);
  EXPECT_FALSE(table.rows[6].cells[2].present);  // n3 only in run a
  // Totals: P+ = 0.5 + 0.2 + 0.1; one positive pushed down; |grad| share of positives.
  EXPECT_NEAR(table.totals[0].positive_mass, 0.8, 1e-12);
  EXPECT_EQ(table.totals[0].positives, 3);
  EXPECT_EQ(table.totals[0].pushed_down, 1);
  EXPECT_NEAR(table.totals[0].positive_grad_share, 1.1 / 1.3, 1e-12);
  EXPECT_FALSE(table.totals[1].present);
  // Grades for colouring as the "by grade" bands: highest first (issue #24).
  EXPECT_EQ(table.grades, (std::vector<double>{2, 1}));
  EXPECT_EQ(table.grade_level(2), 0);
  EXPECT_EQ(table.grade_level(1), 1);
  EXPECT_EQ(table.grade_level(3), -1);
  multipos::ui::InspectorTable single;
  single.grades = {1};
  EXPECT_EQ(single.grade_level(1), -1) << "one grade: nothing to tell apart";
}

TEST(ProbeCache, ReadsIndexAndRowsInTheBackground) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  std::vector<int64_t> ids;
  multipos::ui::testing::fill_diagnostic_store(db, 35, &ids);
  multipos::ui::ProbeCache cache(db);
  const multipos::ui::ProbeIndex* index = nullptr;
  ASSERT_TRUE(multipos::ui::testing::eventually([&] {
    cache.sync();
    index = cache.index(ids[0]);
    return index != nullptr;
  }));
  EXPECT_TRUE(index->error.empty()) << index->error;
  EXPECT_EQ(index->steps, (std::vector<int64_t>{0, 10, 20, 30}));
  EXPECT_EQ(index->query_ids.size(), 3u);

  const std::vector<store::ProbeRow>* rows = nullptr;
  ASSERT_TRUE(multipos::ui::testing::eventually([&] {
    cache.sync();
    rows = cache.rows(ids[1], 20, "q10");
    return rows != nullptr;
  }));
  ASSERT_EQ(rows->size(), 7u);
  EXPECT_TRUE(rows->front().is_positive);
  EXPECT_EQ(rows->front().step, 20);
  EXPECT_EQ(cache.pending(), 0u);
}

TEST(ProbeCache, MissingDatabaseIsAnErrorInTheIndex) {
  TempDir dir;
  multipos::ui::ProbeCache cache(dir.file("absent.sqlite"));
  const multipos::ui::ProbeIndex* index = nullptr;
  ASSERT_TRUE(multipos::ui::testing::eventually([&] {
    cache.sync();
    index = cache.index(1);
    return index != nullptr;
  }));
  EXPECT_NE(index->error.find("absent.sqlite"), std::string::npos);
}
