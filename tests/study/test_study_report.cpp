// What a study report computes from the run store: seed aggregates, paired comparisons, the
// allocation of mass and gradient, the generated summary (including "did not learn"), and the
// report folder with its figures. Runs here are written straight into a store, so every expected
// number is known.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <fstream>
#include <sstream>

#include "core/store/run_store.hpp"
#include "core/study/figure_canvas.hpp"
#include "core/study/study_figures.hpp"
#include "core/study/study_report.hpp"
#include "core/study/study_summary.hpp"
#include "tests/support/planted_study.hpp"
#include "tests/support/temp_dir.hpp"

using namespace multipos::study;
using multipos::store::RunStore;

namespace {

using multipos::testing::kQueries;
using multipos::testing::PlantedStudy;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(StudyResults, AggregatesOverSeedsAndComparesPairedOverQueries) {
  PlantedStudy study;
  StudyResults results = study.results();
  EXPECT_EQ(results.finished, 12);
  EXPECT_EQ(results.unfinished + results.failed, 0);

  SeedAggregate lsepair = aggregate_metric(results, "mixed", 0.4, "lsepair", "ndcg_cut_10");
  EXPECT_EQ(lsepair.seeds, 2);
  EXPECT_NEAR(lsepair.mean, 0.615, 1e-9);  // 0.60 + mean seed offset 0.015; query offsets average to 0
  EXPECT_NEAR(lsepair.min, 0.61, 1e-9);
  EXPECT_NEAR(lsepair.max, 0.62, 1e-9);
  EXPECT_NEAR(aggregate_untrained(results, "ndcg_cut_10").mean, 0.1, 1e-9);

  PairedComparison c = compare_in_cell(results, "mixed", 0.4, "lsepair", "rand1lh", "ndcg_cut_10");
  ASSERT_TRUE(c.valid);
  EXPECT_EQ(c.queries, kQueries);
  EXPECT_NEAR(c.delta, 0.10, 1e-9);
  EXPECT_EQ(c.wins, kQueries);
  EXPECT_LT(c.t_test_p, 1e-6);
  EXPECT_LT(c.randomization_p, 0.01);
  PairedComparison bm25 = compare_in_cell(results, "mixed", 0.0, "rand1lh", "bm25", "ndcg_cut_10");
  ASSERT_TRUE(bm25.valid);
  EXPECT_NEAR(bm25.delta, 0.115, 1e-9);

  SeedAggregate false_mass = aggregate_allocation(results, "mixed", 0.4, "jointlh", AllocationField::false_mass);
  EXPECT_NEAR(false_mass.mean, 0.30, 1e-9);
  SeedAggregate false_gradient = aggregate_allocation(results, "mixed", 0.4, "jointlh", AllocationField::false_gradient);
  EXPECT_NEAR(false_gradient.mean, 0.2 / 1.2, 1e-9);
}

TEST(StudySummary, SentencesFollowTheNumbersAndRefuseToRankRunsThatDidNotLearn) {
  PlantedStudy study;
  StudySummary summary = summarize(study.results());
  ASSERT_TRUE(summary.learned);
  std::string text;
  for (const auto& s : summary.sentences) text += s + "\n";
  EXPECT_TRUE(contains(text, "**mixed, noise 0.4**: LSEPair leads on nDCG@10 (0.615)")) << text;
  EXPECT_TRUE(contains(text, "a significant lead")) << text;
  EXPECT_TRUE(contains(text, "JointLH most (-0.400)")) << text;
  EXPECT_TRUE(contains(text, "JointLH puts the most probability mass on false positives (0.300")) << text;
  EXPECT_TRUE(contains(text, "BM25 scores 0.400")) << text;

  PlantedStudy flat(0.9);  // the untrained encoder beats every trained run
  StudySummary refused = summarize(flat.results());
  EXPECT_FALSE(refused.learned);
  ASSERT_EQ(refused.sentences.size(), 1u);
  EXPECT_TRUE(contains(refused.sentences[0], "did not learn")) << refused.sentences[0];
  EXPECT_FALSE(contains(refused.sentences[0], "leads"));
}

TEST(StudyReport, WritesMarkdownTablesAndFiguresThatShowTheObjectives) {
  PlantedStudy study;
  const std::string directory = study.dir.file("runs.sqlite.studies/planted");
  const std::string report = write_study_report(study.results(), directory, study.database);
  std::ifstream in(report);
  std::stringstream markdown;
  markdown << in.rdbuf();
  const std::string text = markdown.str();
  EXPECT_TRUE(contains(text, "# Study planted")) << text;
  EXPECT_TRUE(contains(text, "| LSEPair | 0.615 [0.610, 0.620] | 0.615 [0.610, 0.620] |")) << text;
  EXPECT_TRUE(contains(text, "| BM25 | 0.400 | 0.400 |")) << text;
  EXPECT_TRUE(contains(text, "| LSEPair | Rand1LH | +0.100")) << text;
  EXPECT_TRUE(contains(text, "![metrics against noise, mixed](figures/metrics-mixed.png)")) << text;

  for (const std::string figure : {"metrics-mixed.png", "allocation-mixed.png"}) {
    int width = 0, height = 0, channels = 0;
    unsigned char* pixels = stbi_load((directory + "/figures/" + figure).c_str(), &width, &height, &channels, 3);
    ASSERT_NE(pixels, nullptr) << figure;
    EXPECT_GT(width, 600);
    const Color green = objective_color("lsepair"), red = objective_color("jointlh");
    size_t green_pixels = 0, red_pixels = 0;
    for (int i = 0; i < width * height; ++i) {
      const unsigned char* p = pixels + 3 * i;
      green_pixels += p[0] == green.r && p[1] == green.g && p[2] == green.b;
      red_pixels += p[0] == red.r && p[1] == red.g && p[2] == red.b;
    }
    stbi_image_free(pixels);
    EXPECT_GT(green_pixels, 100u) << figure << ": LSEPair's line is missing";
    EXPECT_GT(red_pixels, 100u) << figure << ": JointLH's line is missing";
  }
}

TEST(FigureCanvas, DrawsLinesPolygonsAndTextAndSavesPng) {
  FigureCanvas canvas(120, 60);
  canvas.line({10, 10}, {110, 10}, {255, 0, 0, 255}, 3);
  canvas.fill_polygon({{10, 30}, {50, 30}, {50, 50}, {10, 50}}, {0, 0, 255, 255});
  canvas.text(60, 50, "Ag", 18, {0, 0, 0, 255});
  const auto& px = canvas.pixels();
  auto at = [&](int x, int y) { return &px[(static_cast<size_t>(y) * 120 + x) * 3]; };
  EXPECT_EQ(at(60, 10)[0], 255);
  EXPECT_EQ(at(60, 10)[1], 0);      // on the line: pure red
  EXPECT_EQ(at(60, 20)[1], 255);    // off the line: white
  EXPECT_EQ(at(30, 40)[2], 255);
  EXPECT_EQ(at(30, 40)[0], 0);      // inside the polygon: blue
  int dark = 0;
  for (int y = 30; y < 55; ++y)
    for (int x = 60; x < 90; ++x) dark += at(x, y)[0] < 128;
  EXPECT_GT(dark, 20) << "no text drawn (truetype font: " << truetype_font_available() << ")";
  multipos::testing::TempDir dir;
  canvas.save_png(dir.file("c.png"));
  int w = 0, h = 0, c = 0;
  unsigned char* back = stbi_load(dir.file("c.png").c_str(), &w, &h, &c, 3);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(std::vector<unsigned char>(back, back + w * h * 3), px);
  stbi_image_free(back);
  EXPECT_THROW(canvas.save_png(dir.file("missing/dir/c.png")), std::runtime_error);
}

// Issue #24: the allocation split by the positives' grade, worked out by hand.
//   query a: grade 2 (p 0.4, dL/ds -0.3), grade 1 (p 0.2, -0.1), negative (p 0.4, +0.4): |grad| total 0.8
//   query b: grade 1 (p 0.5, -0.5), negative (p 0.5, +0.5): |grad| total 1
TEST(StudyResults, AllocationSplitsByGradeWhenThereAreSeveral) {
  auto row = [](const std::string& query, bool positive, double grade, double p, double gradient) {
    multipos::store::ProbeRow r;
    r.step = 9;
    r.query_id = query;
    r.passage_id = query + std::to_string(grade) + (positive ? "p" : "n");
    r.is_positive = positive;
    r.grade = grade;
    r.probability = p;
    r.gradient = gradient;
    return r;
  };
  const std::vector<multipos::store::ProbeRow> rows = {row("a", true, 2, 0.4, -0.3), row("a", true, 1, 0.2, -0.1),
                                                       row("a", false, 0, 0.4, 0.4), row("b", true, 1, 0.5, -0.5),
                                                       row("b", false, 0, 0.5, 0.5)};
  const Allocation allocation = allocation_of(rows);
  ASSERT_EQ(allocation.grade_mass.size(), 2u);
  EXPECT_NEAR(allocation.grade_mass.at(2), (0.4 + 0) / 2, 1e-12);
  EXPECT_NEAR(allocation.grade_mass.at(1), (0.2 + 0.5) / 2, 1e-12);
  EXPECT_NEAR(allocation.grade_gradient.at(2), (0.3 / 0.8 + 0) / 2, 1e-12);
  EXPECT_NEAR(allocation.grade_gradient.at(1), (0.1 / 0.8 + 0.5) / 2, 1e-12);
  EXPECT_NEAR(allocation.true_mass, 0.55, 1e-12);  // the grade split adds up to the positives' mass
  const std::vector<multipos::store::ProbeRow> one_grade = {row("b", true, 1, 0.5, -0.5), row("b", false, 0, 0.5, 0.5)};
  EXPECT_TRUE(allocation_of(one_grade).grade_mass.empty());
}

// Issue #24: with several grades in the probe rows, the report's allocation table and figure gain a
// by-grade block; each bar is the seed mean of the grade's share. Shares are planted per objective.
TEST(StudyReport, AllocationFigureAndTableSplitByGradeWhenThereAreSeveral) {
  PlantedStudy study;
  StudyResults results = study.results();
  const FigureCanvas plain = allocation_figure(results, "mixed");
  const Color top = grade_color(0, 2), bottom = grade_color(1, 2);
  auto count = [](const FigureCanvas& canvas, Color color) {
    const auto& px = canvas.pixels();
    size_t n = 0;
    for (size_t i = 0; i + 2 < px.size(); i += 3) n += px[i] == color.r && px[i + 1] == color.g && px[i + 2] == color.b;
    return n;
  };
  EXPECT_EQ(count(plain, top), 0u);
  EXPECT_TRUE(allocation_grades(results).empty());

  for (auto& [key, run] : results.cells) {
    const bool lsepair = key.size() > 8 && key.compare(key.size() - 8, 8, "/lsepair") == 0;
    run.allocation.grade_mass = {{2.0, lsepair ? 0.5 : 0.3}, {1.0, lsepair ? 0.2 : 0.4}};
    run.allocation.grade_gradient = {{2.0, lsepair ? 0.6 : 0.2}, {1.0, 0.1}};
  }
  EXPECT_EQ(allocation_grades(results), (std::vector<double>{2.0, 1.0}));
  const SeedAggregate high = aggregate_grade_allocation(results, "mixed", 0.4, "lsepair", 2.0, false);
  EXPECT_EQ(high.seeds, 2);
  EXPECT_NEAR(high.mean, 0.5, 1e-12);
  EXPECT_NEAR(aggregate_grade_allocation(results, "mixed", 0.4, "jointlh", 2.0, true).mean, 0.2, 1e-12);
  EXPECT_EQ(aggregate_grade_allocation(results, "mixed", 0.4, "jointlh", 3.0, true).mean, 0.0);  // absent grade

  const FigureCanvas graded = allocation_figure(results, "mixed");
  EXPECT_GT(graded.height(), plain.height());
  EXPECT_GT(count(graded, top), 500u) << "no grade-2 bars";
  EXPECT_GT(count(graded, bottom), 200u) << "no grade-1 bars";

  const std::string report = write_study_report(results, study.dir.file("graded-report"), study.database);
  std::ifstream in(report);
  std::stringstream markdown;
  markdown << in.rdbuf();
  EXPECT_TRUE(contains(markdown.str(), "| mass: grade 2 | mass: grade 1 | gradient: grade 2 | gradient: grade 1 |"))
      << markdown.str();
  EXPECT_TRUE(contains(markdown.str(), "| LSEPair | 0.4 | 0.500 | 0.200 | 0.600 | 0.100 |")) << markdown.str();
}
