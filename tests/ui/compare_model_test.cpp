// The compare tab's model and exports over a hand-made store: last-step scores per split, deltas
// and p-values that match the significance functions on the same paired values, W/T/L, the
// default baseline, config diff paths, CSV / Markdown / curves CSV content, and the background
// cache answering a query.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "core/eval/significance.hpp"
#include "tests/ui/compare_store_support.hpp"
#include "tests/ui/ui_test_support.hpp"
#include "ui/background/compare_cache.hpp"
#include "ui/models/compare_model.hpp"
#include "ui/export_files.hpp"
#include "ui/plot/plot_math.hpp"

namespace ui = multipos::ui;
namespace store = multipos::store;
namespace eval = multipos::eval;
using ui::testing::CompareStoreIds;
using ui::testing::TempDir;

namespace {

class CompareModel : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("runs.sqlite");
    ids_ = ui::testing::fill_compare_store(db_);
    store::RunStore store(db_, store::RunStore::Mode::read_only);
    runs_ = store.list_runs();
    for (const auto& run : runs_) {
      const std::string split = ui::eval_split_of(run.config_json);
      scores_[run.id] = ui::scores_from_rows(run.id, split, store.evaluations(run.id, split));
    }
  }
  const store::RunRecord& run(int64_t id) const {
    return *std::find_if(runs_.begin(), runs_.end(), [&](const auto& r) { return r.id == id; });
  }
  ui::CompareTable table(int64_t baseline) const {
    return ui::build_compare_table({run(ids_.a), run(ids_.b), run(ids_.bm25)}, scores_, baseline);
  }

  TempDir dir_;
  std::string db_;
  CompareStoreIds ids_;
  std::vector<store::RunRecord> runs_;
  std::map<int64_t, ui::RunScores> scores_;
};

std::vector<double> values(double (*f)(int)) {
  std::vector<double> out;
  for (int i = 0; i < ui::testing::kCompareQueries; ++i) out.push_back(f(i));
  return out;
}

}  // namespace

TEST_F(CompareModel, ScoresComeFromTheLastStepOfTheRunsSplit) {
  const ui::RunScores& a = scores_.at(ids_.a);
  EXPECT_EQ(a.split, "dev");
  EXPECT_EQ(a.step, 49);
  ASSERT_EQ(a.per_query.at("ndcg_cut_10").size(), 12u);
  EXPECT_DOUBLE_EQ(a.per_query.at("ndcg_cut_10").at("q100"), ui::testing::a_ndcg(0));
  EXPECT_EQ(scores_.at(ids_.bm25).step, 0);
  EXPECT_EQ(ui::eval_split_of(R"({"eval":{"split":"test"}})"), "test");
  EXPECT_EQ(ui::eval_split_of("not json"), "dev");
}

TEST_F(CompareModel, DeltasAndPValuesMatchTheSignificanceFunctions) {
  EXPECT_EQ(ui::default_baseline(runs_, {ids_.a, ids_.b}), ids_.bm25);  // the group's bm25, unselected
  const ui::CompareTable compare = table(ids_.bm25);
  ASSERT_EQ(compare.rows.size(), 3u);
  EXPECT_EQ(compare.rows[0].run_id, ids_.bm25);  // the baseline leads
  EXPECT_TRUE(compare.rows[0].is_baseline);
  EXPECT_FALSE(compare.rows[0].cells[0].has_delta);
  EXPECT_EQ(compare.rows[1].queries, 12u);

  const std::vector<double> base = values(ui::testing::bm25_ndcg), a = values(ui::testing::a_ndcg),
                            b = values(ui::testing::b_ndcg);
  const ui::MetricCell& a_ndcg = compare.rows[1].cells[0];
  ASSERT_TRUE(a_ndcg.tested);
  EXPECT_NEAR(a_ndcg.delta, scores_.at(ids_.a).aggregate.at("ndcg_cut_10") - scores_.at(ids_.bm25).aggregate.at("ndcg_cut_10"), 1e-12);
  EXPECT_NEAR(a_ndcg.t_test.p_value, eval::paired_t_test(a, base).p_value, 1e-12);
  EXPECT_NEAR(a_ndcg.randomization.p_value, eval::paired_randomization_test(a, base, 10000, 42).p_value, 1e-12);
  EXPECT_EQ(a_ndcg.win_tie_loss.wins, 12u);
  EXPECT_EQ(a_ndcg.win_tie_loss.losses, 0u);
  EXPECT_TRUE(a_ndcg.significant);

  const ui::MetricCell& b_ndcg = compare.rows[2].cells[0];
  EXPECT_NEAR(b_ndcg.t_test.p_value, eval::paired_t_test(b, base).p_value, 1e-12);
  const eval::WinTieLoss expected = eval::count_win_tie_loss(b, base);
  EXPECT_EQ(b_ndcg.win_tie_loss.wins, expected.wins);
  EXPECT_EQ(b_ndcg.win_tie_loss.ties, expected.ties);
  EXPECT_EQ(b_ndcg.win_tie_loss.losses, expected.losses);
  EXPECT_GT(b_ndcg.win_tie_loss.losses, 0u);

  const ui::MetricCell& a_recall = compare.rows[1].cells[1];  // identical values everywhere
  EXPECT_EQ(a_recall.win_tie_loss.ties, 12u);
  EXPECT_DOUBLE_EQ(a_recall.t_test.p_value, 1.0);
  EXPECT_FALSE(a_recall.significant);
  EXPECT_FALSE(compare.rows[1].cells[2].present);  // MRR@10 was not recorded
}

TEST_F(CompareModel, OnlyQueriesPresentInBothRunsArePaired) {
  ui::RunScores partial = scores_.at(ids_.b);
  partial.per_query["ndcg_cut_10"].erase("q100");
  partial.per_query["ndcg_cut_10"].erase("q105");
  std::map<int64_t, ui::RunScores> scores = scores_;
  scores[ids_.b] = partial;
  const auto compare = ui::build_compare_table({run(ids_.bm25), run(ids_.b)}, scores, ids_.bm25);
  EXPECT_EQ(compare.rows[1].cells[0].paired_queries, 10u);
}

TEST_F(CompareModel, ConfigDiffListsOnlyTheDifferingDottedPaths) {
  const ui::ConfigDiff diff = ui::config_diff({run(ids_.a), run(ids_.b)});
  std::vector<std::string> paths;
  for (const auto& row : diff.rows) paths.push_back(row.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"name", "objective.name", "optimizer.lr"}));
  EXPECT_EQ(diff.rows[2].values, (std::vector<std::string>{"0.05", "0.01"}));
  EXPECT_TRUE(ui::config_diff({run(ids_.a)}).rows.empty());

  // A field only one run has shows as absent ("") for the other.
  const ui::ConfigDiff with_baseline = ui::config_diff({run(ids_.a), run(ids_.bm25)});
  const auto baseline_field = std::find_if(with_baseline.rows.begin(), with_baseline.rows.end(),
                                           [](const auto& row) { return row.path == "baseline"; });
  ASSERT_NE(baseline_field, with_baseline.rows.end());
  EXPECT_EQ(baseline_field->values, (std::vector<std::string>{"", "\"bm25\""}));
  EXPECT_EQ(ui::flatten_config(R"({"a":{"b":[1,2]},"c":[{"d":1}]})"),
            (std::map<std::string, std::string>{{"a.b", "[1,2]"}, {"c.0.d", "1"}}));
}

TEST_F(CompareModel, CsvAndMarkdownCarryValuesDeltasAndTests) {
  const ui::CompareTable compare = table(ids_.bm25);
  const std::string csv = ui::compare_table_csv(compare);
  std::istringstream lines(csv);
  std::string header, baseline_line, a_line;
  std::getline(lines, header);
  std::getline(lines, baseline_line);
  std::getline(lines, a_line);
  EXPECT_EQ(header.rfind("run_id,name,objective,status,split,step,baseline,ndcg_cut_10,ndcg_cut_10_delta,"
                         "ndcg_cut_10_p_ttest,ndcg_cut_10_p_randomization,ndcg_cut_10_wins,ndcg_cut_10_ties,"
                         "ndcg_cut_10_losses,ndcg_cut_10_paired_queries,ndcg_cut_10_significant,recall_100,",
                         0),
            0u)
      << header;
  EXPECT_EQ(baseline_line.rfind(std::to_string(ids_.bm25) + ",bm25,bm25,finished,dev,0,1,", 0), 0u) << baseline_line;
  char expected[128];
  const ui::MetricCell& cell = compare.rows[1].cells[0];
  std::snprintf(expected, sizeof expected, ",%.6f,%+.6f,%.4g,%.4g,12,0,0,12,1,", cell.value, cell.delta,
                cell.t_test.p_value, cell.randomization.p_value);
  EXPECT_NE(a_line.find(expected), std::string::npos) << a_line << "\nexpected " << expected;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);

  const std::string md = ui::compare_table_markdown(compare);
  EXPECT_NE(md.find("| Run | Objective | Split | Step | nDCG@10 | R@100 | MRR@10 | MAP |"), std::string::npos) << md;
  EXPECT_NE(md.find("|---|---|---|---:|---:|---:|---:|---:|"), std::string::npos);
  std::snprintf(expected, sizeof expected, "%.4f (%+.4f*, p ", cell.value, cell.delta);
  EXPECT_NE(md.find(expected), std::string::npos) << md;
  EXPECT_NE(md.find("W/T/L 12/0/0"), std::string::npos);
  EXPECT_NE(md.find("Deltas against #" + std::to_string(ids_.bm25) + " bm25"), std::string::npos);
  EXPECT_EQ(ui::csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
}

TEST(ExportFiles, CurvesCsvSpansTheUnionOfStepsAndLeavesGapsEmpty) {
  ui::CurveColumn first{"#1 quick/infonce", {0, 1, 2}, {1.5, 1.25, 1.0}};
  ui::CurveColumn second{"#2 a,b", {1, 3}, {2.0, 0.5}};
  EXPECT_EQ(ui::curves_csv({first, second}),
            "step,#1 quick/infonce,\"#2 a,b\"\n0,1.5,\n1,1.25,2\n2,1,\n3,,0.5\n");
}

TEST(ExportFiles, ChartColumnsAreSmoothedLikeTheChart) {
  ui::RunViewModel model;
  store::RunRecord run;
  run.id = 4;
  run.name = "quick/jointlh";
  model.set_runs({run});
  model.merge_points({{1, 4, "loss", 0, 0, 2.0}, {2, 4, "loss", 1, 0, 1.0}, {3, 4, "loss", 2, 0, 4.0}});
  const auto raw = ui::chart_columns(model, {4, 99}, "loss", 0.0f);
  ASSERT_EQ(raw.size(), 1u);  // run 99 has no points
  EXPECT_EQ(raw[0].label, "#4 quick/jointlh");
  EXPECT_EQ(raw[0].values, (std::vector<double>{2.0, 1.0, 4.0}));
  const auto smooth = ui::chart_columns(model, {4}, "loss", 0.5f);
  EXPECT_EQ(smooth[0].values, multipos::ui::plot::ema_debiased({2.0, 1.0, 4.0}, 0.5f));
  EXPECT_NEAR(smooth[0].values[1], (0.5 * 2.0 * 0.5 + 0.5 * 1.0) / 0.75, 1e-12);
}

TEST(ExportFiles, WritesNextToTheDatabaseWithoutOverwriting) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  const std::string first = ui::write_export(db, {"compare", "csv", "a\n"}, 1.7e9);
  const std::string second = ui::write_export(db, {"compare", "csv", "b\n"}, 1.7e9);
  EXPECT_EQ(first.rfind(db + ".exports/compare-", 0), 0u) << first;
  EXPECT_NE(first, second);
  std::ifstream in(second);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "b\n");
}

TEST_F(CompareModel, CacheAnswersAQueryFromItsWorker) {
  ui::CompareCache cache(db_);
  ui::CompareQuery query;
  query.runs = {run(ids_.bm25), run(ids_.a), run(ids_.b)};
  query.baseline_run_id = ids_.bm25;
  query.diff_runs = {run(ids_.a), run(ids_.b)};
  const uint64_t generation = cache.request(query);
  ASSERT_TRUE(ui::testing::eventually([&] {
    cache.sync();
    return !cache.busy();
  }));
  ASSERT_NE(cache.result(), nullptr);
  EXPECT_EQ(cache.result()->generation, generation);
  EXPECT_TRUE(cache.result()->error.empty()) << cache.result()->error;
  EXPECT_EQ(cache.result()->table.rows.size(), 3u);
  EXPECT_TRUE(cache.result()->table.rows[1].cells[0].significant);
  EXPECT_EQ(cache.result()->diff.rows.size(), 3u);
}

// The Curves chart as an SVG picture (issue #21): one polyline per curve (a NaN is skipped, as the
// chart's decimation skips it), colours, the legend and both axis labels, labels escaped, a long
// series decimated per pixel column, and a document an XML parser no one here wrote accepts
// (Python's expat).
TEST(ExportFiles, CurvesSvgCarriesLegendAxesAndDecimatedLines) {
  ui::CurveColumn first{"#1 quick/lsepair", {}, {}, 1};
  for (int i = 0; i <= 100; ++i) {
    first.steps.push_back(i);
    first.values.push_back(i == 50 ? std::nan("") : 1.0 / (1 + i));
  }
  ui::CurveColumn second{"#2 <b&c> \"x\"", {}, {}, 2};
  for (int i = 0; i < 50000; ++i) {
    second.steps.push_back(i * 0.002);
    second.values.push_back(0.5 + 0.4 * std::sin(i * 0.37));
  }
  ui::SvgOptions options;
  options.title = "loss (smoothed)";
  options.y_label = "loss";
  const std::string svg = ui::curves_svg({first, second}, {0xaa0000, 0x0000bb}, options);

  auto count = [&](const std::string& part) {
    size_t n = 0;
    for (size_t at = svg.find(part); at != std::string::npos; at = svg.find(part, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<polyline"), 2u);
  EXPECT_EQ(count("nan"), 0u) << "a NaN value is skipped, never written";
  EXPECT_EQ(count("stroke=\"#aa0000\""), 2u) << "its line and its legend swatch";
  EXPECT_EQ(count("stroke=\"#0000bb\""), 2u);
  EXPECT_NE(svg.find(">#1 quick/lsepair</text>"), std::string::npos);
  EXPECT_NE(svg.find(">#2 &lt;b&amp;c&gt; &quot;x&quot;</text>"), std::string::npos) << "escaped";
  EXPECT_NE(svg.find(">step</text>"), std::string::npos);
  EXPECT_NE(svg.find(">loss</text>"), std::string::npos);
  EXPECT_NE(svg.find(">loss (smoothed)</text>"), std::string::npos);
  EXPECT_NE(svg.find("points=\"70.0,"), std::string::npos) << "x = 0 sits on the plot's left edge";
  // The 50000-point curve: at most 4 points per pixel column of the 870-pixel plot.
  const size_t last = svg.rfind("<polyline");
  const size_t points = svg.find("points=\"", last) + 8;
  const std::string list = svg.substr(points, svg.find('"', points) - points);
  EXPECT_LE(static_cast<size_t>(std::count(list.begin(), list.end(), ' ')) + 1, 4u * 870u);
  EXPECT_GT(std::count(list.begin(), list.end(), ' '), 870);

  TempDir dir;
  const std::string file = dir.file("curves.svg");
  std::ofstream(file) << svg;
  const std::string check = "python3 -c \"import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
                            "sys.exit(0 if d.documentElement.tagName == 'svg' else 3)\" \"" + file + "\" 2>&1";
  if (std::system("command -v python3 >/dev/null 2>&1") == 0) {
    EXPECT_EQ(std::system(check.c_str()), 0) << "not well-formed XML:\n" << svg.substr(0, 2000);
  }
  EXPECT_EQ(ui::curves_svg({}, {}, options).find("no data") != std::string::npos, true);
}
