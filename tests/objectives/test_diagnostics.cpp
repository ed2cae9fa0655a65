// In-batch and probe diagnostics on hand-built batches whose figures are worked out by hand
// from the spec's example.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "core/objectives/diagnostics.hpp"
#include "core/objectives/gradients.hpp"
#include "core/objectives/loss.hpp"
#include "core/objectives/probe.hpp"
#include "test_helpers.hpp"

namespace multipos::objectives {
namespace {

using testing::config_named;
using testing::worked_example_layout;
using testing::worked_example_scores;

using Figures = std::map<std::string, double>;

Figures diagnostics_of(const std::string& objective, const ScoreLayout& layout,
                       const at::Tensor& scores) {
  const auto masks = make_score_masks(layout, at::kDouble);
  const auto list = in_batch_diagnostics(scores, masks, layout, config_named(objective));
  Figures figures(list.begin(), list.end());
  EXPECT_EQ(figures.size(), list.size()) << "names must be unique";
  return figures;
}

TEST(Diagnostics, WorkedExampleUnderJointlh) {
  // p = (1/2, 1/4 | 1/4), dL/ds = (0, -1/2 | +1/2); positive 1 human, positive 2 llm and false.
  auto figures = diagnostics_of("jointlh", worked_example_layout(), worked_example_scores());
  const double entropy = -(2.0 / 3 * std::log(2.0 / 3) + 1.0 / 3 * std::log(1.0 / 3));
  const Figures expected = {{"diag/pos_mass", 0.75},
                            {"diag/mass_rank1", 0.5},
                            {"diag/mass_rank2", 0.25},
                            {"diag/mass_rank3", 0.0},
                            {"diag/share_rank1", 2.0 / 3},
                            {"diag/share_rank2", 1.0 / 3},
                            {"diag/entropy_norm", entropy / std::log(2.0)},
                            {"diag/eff_positives", std::exp(entropy)},
                            {"diag/grad_share_pos", 0.5},
                            {"diag/grad_share_hardneg", 0.5},
                            {"diag/grad_share_inbatch", 0.0},
                            {"diag/grad_share_rank1", 0.0},
                            {"diag/grad_share_rank2", 1.0},
                            {"diag/pushed_down_count", 0.0},
                            {"diag/pushed_down_mass", 0.0},
                            {"diag/margin", 0.0},
                            {"diag/mass_source_human", 0.5},
                            {"diag/mass_source_llm", 0.25},
                            {"diag/grad_share_source_human", 0.0},
                            {"diag/grad_share_source_llm", 0.5},
                            {"diag/count_source_human", 1.0},
                            {"diag/count_source_llm", 1.0},
                            {"diag/mass_false_pos", 0.25},
                            {"diag/grad_share_false_pos", 0.5},
                            {"diag/count_false_pos", 1.0},
                            {"diag/positives_per_query", 2.0},
                            {"diag/queries_used", 1.0},
                            {"diag/queries_dropped", 0.0},
                            {"diag/truncated_queries", 0.0}};
  for (const auto& [name, value] : expected) {
    ASSERT_EQ(figures.count(name), 1u) << name;
    EXPECT_NEAR(figures[name], value, 1e-12) << name;
  }
}

TEST(Diagnostics, WorkedExampleGradientSharesOfSummarglhAndLsepair) {
  // summarglh: (-1/6, -1/12 | 1/4): sum 1/2, the easy positive gets 2/3 of the positives' push.
  auto figures = diagnostics_of("summarglh", worked_example_layout(), worked_example_scores());
  EXPECT_NEAR(figures["diag/grad_share_pos"], 0.5, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_rank1"], 2.0 / 3, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_source_llm"], (1.0 / 12) / 0.5, 1e-12);
  // lsepair: (-1/5, -2/5 | 3/5): sum 6/5, the hard positive gets 2/3 of the positives' push.
  figures = diagnostics_of("lsepair", worked_example_layout(), worked_example_scores());
  EXPECT_NEAR(figures["diag/grad_share_pos"], 0.5, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_rank1"], 1.0 / 3, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_rank2"], 2.0 / 3, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_false_pos"], 0.4 / 1.2, 1e-12);
}

TEST(Diagnostics, JointlhPushesDownAPositiveAboveOneOverM) {
  // exp-scores (4, 1 | 1): p = (2/3, 1/6 | 1/6); dL/ds1 = 2 * 2/3 - 1 = 1/3 > 0.
  const auto scores = at::tensor({std::log(4.0), 0.0, 0.0}, at::kDouble).unsqueeze(0);
  auto figures = diagnostics_of("jointlh", worked_example_layout(), scores);
  EXPECT_NEAR(figures["diag/pushed_down_count"], 1.0, 1e-12);
  EXPECT_NEAR(figures["diag/pushed_down_mass"], 2.0 / 3, 1e-12);
  EXPECT_NEAR(figures["diag/margin"], 0.0, 1e-12);
}

TEST(Diagnostics, InBatchNegativesAndDroppedQueries) {
  // Two groups of 3; row 0 is the worked example, row 1 has no positive (dropped). Row 0 scores
  // (ln 2, 0 | 0 | 0, 0, 0): p = (2/7, 1/7 | 1/7 | 1/7 x 3), jointlh dL/ds = m p - 1[P]
  // = (-3/7, -5/7 | 2/7 | 2/7 x 3): |.| sums to 16/7, in-batch 6/7.
  auto layout = testing::grouped_layout({2, 0}, 3);
  const auto scores = at::zeros({2, 6}, at::kDouble);
  scores[0][0] = std::log(2.0);
  scores[1][4] = 5.0;  // the dropped row must not move any figure
  auto figures = diagnostics_of("jointlh", layout, scores);
  EXPECT_NEAR(figures["diag/pos_mass"], 3.0 / 7, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_pos"], 8.0 / 16, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_hardneg"], 2.0 / 16, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_inbatch"], 6.0 / 16, 1e-12);
  EXPECT_NEAR(figures["diag/queries_used"], 1.0, 0.0);
  EXPECT_NEAR(figures["diag/queries_dropped"], 1.0, 0.0);
  EXPECT_NEAR(figures["diag/mass_source_human"], 3.0 / 7, 1e-12);
}

TEST(Diagnostics, AveragesOverQueriesAndRanks) {
  // Row 0: one positive; row 1: two equal positives. mass_rank2 only averages row 1, entropy_norm
  // only row 1 (m >= 2), eff_positives both rows (1 and 2).
  auto layout = testing::grouped_layout({1, 2}, 2);
  const auto scores = at::zeros({2, 4}, at::kDouble);
  auto figures = diagnostics_of("jointlh", layout, scores);
  EXPECT_NEAR(figures["diag/pos_mass"], (0.25 + 0.5) / 2, 1e-12);
  EXPECT_NEAR(figures["diag/mass_rank1"], 0.25, 1e-12);
  EXPECT_NEAR(figures["diag/mass_rank2"], 0.25, 1e-12);
  EXPECT_NEAR(figures["diag/entropy_norm"], 1.0, 1e-12);
  EXPECT_NEAR(figures["diag/eff_positives"], 1.5, 1e-12);
  EXPECT_NEAR(figures["diag/positives_per_query"], 1.5, 1e-12);
}

TEST(Diagnostics, ProbeRowsAccumulateWithTheExpectedGradient) {
  // rand1lh probe of the worked example: dL/ds = (-1/6, -1/4 | 5/12); |.| sums to 5/6.
  QueryCandidates query{"q", {{10, 2.0f, 0, false}, {11, 1.0f, 1, true}}, {}};
  const auto probe = make_probe_row(query, {20}, {"human", "llm"});
  const auto config = config_named("rand1lh");
  const auto masks = make_score_masks(probe.layout, at::kDouble);
  const auto gradient = probe_gradient(worked_example_scores(), masks, probe.layout, config);
  DiagnosticAccumulator accumulator(config, {"human", "llm"}, 2);
  accumulator.add(worked_example_scores(), gradient, masks, probe.layout);
  accumulator.add(worked_example_scores(), gradient, masks, probe.layout);
  const auto list = accumulator.result();
  Figures figures(list.begin(), list.end());
  EXPECT_NEAR(figures["diag/pos_mass"], 0.75, 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_pos"], (5.0 / 12) / (5.0 / 6), 1e-12);
  EXPECT_NEAR(figures["diag/grad_share_rank2"], 0.25 / (5.0 / 12), 1e-12);
  EXPECT_NEAR(figures["diag/queries_used"], 2.0, 0.0);
}

TEST(Diagnostics, ClosedFormPathAgreesWithTheFullGradientTensor) {
  // The default path evaluates the closed form on each row's group only; it must give the same
  // figures as reading the full closed-form dL/dS matrix.
  std::mt19937_64 rng(31);
  for (const auto& name : objective_names()) {
    if (!has_closed_form_gradient(name)) continue;
    for (const char* positive : {"all", "min", "max"})
      for (const char* negative : {"all", "max"}) {
        if (name != "lsepair" && (std::string(positive) != "all" || std::string(negative) != "all"))
          continue;
        auto config = config_named(name);
        config.positive_selector = positive;
        config.negative_selector = negative;
        config.temperature = 0.2;
        std::vector<int> counts;
        for (int r = 0; r < 6; ++r)
          counts.push_back(static_cast<int>(rng() % (uses_single_positive(name) ? 2 : 5)));
        auto layout = testing::grouped_layout(counts, 5);
        for (size_t c = 0; c < layout.column_label_source.size(); ++c)
          if (layout.column_label_source[c] == 0) {
            layout.column_label_source[c] = static_cast<int>(rng() % 2);
            layout.column_is_false_positive[c] = rng() % 3 == 0;
          }
        at::manual_seed(rng());
        const auto scores = at::randn({6, 30}, at::kDouble);
        const auto masks = make_score_masks(layout, at::kDouble);
        const auto fast = in_batch_diagnostics(scores, masks, layout, config);
        const auto full = in_batch_diagnostics(scores, closed_form_gradient(scores, masks, config),
                                               masks, layout, config);
        ASSERT_EQ(fast.size(), full.size());
        for (size_t i = 0; i < fast.size(); ++i)
          EXPECT_NEAR(fast[i].second, full[i].second, 1e-9)
              << name << " " << positive << "/" << negative << " " << fast[i].first;
      }
  }
}

TEST(Diagnostics, NormalisersFromTheLossGiveTheSameFigures) {
  std::mt19937_64 rng(41);
  for (const auto& name : objective_names()) {
    if (!has_closed_form_gradient(name)) continue;
    for (const char* negative : {"all", "max"}) {
      if (name != "lsepair" && std::string(negative) != "all") continue;
      auto config = config_named(name);
      config.negative_selector = negative;
      config.temperature = 0.1;
      const auto layout = testing::grouped_layout(
          uses_single_positive(name) ? std::vector<int>{1, 0, 1, 1} : std::vector<int>{3, 0, 1, 4},
          5);
      const auto masks = make_score_masks(layout, at::kDouble);
      at::manual_seed(rng());
      const auto scores = at::randn({4, 20}, at::kDouble);
      RowNormalisers normalisers;
      objective_loss(scores, masks, config, &normalisers);
      EXPECT_TRUE(normalisers.all.defined() || normalisers.negatives.defined() ||
                  std::string(negative) == "max")
          << name;
      const auto reused = in_batch_diagnostics(scores, masks, layout, config, &normalisers);
      const auto computed = in_batch_diagnostics(scores, masks, layout, config);
      for (size_t i = 0; i < reused.size(); ++i)
        EXPECT_NEAR(reused[i].second, computed[i].second, 1e-9) << name << " " << reused[i].first;
    }
  }
}

TEST(Diagnostics, DegenerateRowsGiveTheSameFiguresInFloat32AndFloat64) {
  // Ties everywhere (lsepair's max selector shares among them), huge equal scores, and
  // negatives whose exp underflows against the positives in float32.
  const auto layout = testing::grouped_layout({2, 1, 3}, 4);
  auto config = config_named("lsepair");
  config.negative_selector = "max";
  config.temperature = 0.05;
  auto underflow = at::full({3, 12}, -50.0, at::kDouble);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c : layout.positive_columns[r]) underflow[r][c] = 50.0;
  for (const auto& scores :
       {at::zeros({3, 12}, at::kDouble), at::full({3, 12}, 1e4, at::kDouble), underflow}) {
    const auto single = in_batch_diagnostics(scores.to(at::kFloat),
                                             make_score_masks(layout, at::kFloat), layout, config);
    const auto exact =
        in_batch_diagnostics(scores, make_score_masks(layout, at::kDouble), layout, config);
    for (size_t i = 0; i < single.size(); ++i) {
      EXPECT_TRUE(std::isfinite(single[i].second)) << single[i].first;
      EXPECT_NEAR(single[i].second, exact[i].second, 1e-6) << single[i].first;
    }
  }
  // All-equal rows under the max selector: every negative shares sigma equally, so own hard
  // negatives get (g - m) / (C - m) of the negatives' push, which is half of the total.
  const auto equal = in_batch_diagnostics(at::zeros({3, 12}, at::kDouble),
                                          make_score_masks(layout, at::kDouble), layout, config);
  Figures figures(equal.begin(), equal.end());
  EXPECT_NEAR(figures["diag/grad_share_hardneg"], 0.5 * ((2.0 / 10) + (3.0 / 11) + (1.0 / 9)) / 3,
              1e-12);
  EXPECT_NEAR(figures["diag/grad_share_pos"], 0.5, 1e-12);
}

// Split by grade (issue #24), worked out by hand. Two rows of 4 columns; scores of the other
// row's columns are -1000, so exp() gives exactly 0 mass (and 0 gradient) there.
//   row 0: positives (grade 3, 1, 1) at s = (ln 4, ln 2, 0), negative s = 0: exps 4, 2, 1 | 1,
//          p = (1/2, 1/4, 1/8 | 1/8), P+ = 7/8; jointlh dL/ds ~ m p - 1 = (1/2, -1/4, -5/8 | 3/8),
//          total |.| = 7/4.
//   row 1: positives (grade 1, 2) at s = 0, negatives s = 0: p = 1/4 each, P+ = 1/2;
//          dL/ds ~ (-1/2, -1/2 | 1/2, 1/2), total |.| = 2.
TEST(Diagnostics, SplitByGradeOnASmallBatch) {
  ScoreLayout layout = testing::grouped_layout({3, 2}, 4);
  layout.column_grade = {3, 1, 1, 0, 1, 2, 0, 0};
  layout.grade_levels = {3, 2, 1};
  const double low = -1000;
  const auto scores = at::tensor({std::log(4.0), std::log(2.0), 0.0, 0.0, low, low, low, low,  //
                                  low, low, low, low, 0.0, 0.0, 0.0, 0.0},
                                 at::kDouble)
                          .view({2, 4 * 2});
  ObjectiveConfig config = config_named("jointlh");
  config.temperature = 1.0;
  const auto masks = make_score_masks(layout, at::kDouble);
  const Figures expected = {
      {"diag/mass_grade_3", (1.0 / 2 + 0) / 2},     {"diag/mass_grade_2", (0 + 1.0 / 4) / 2},
      {"diag/mass_grade_1", (3.0 / 8 + 1.0 / 4) / 2}, {"diag/share_grade_3", (4.0 / 7 + 0) / 2},
      {"diag/share_grade_2", (0 + 1.0 / 2) / 2},    {"diag/share_grade_1", (3.0 / 7 + 1.0 / 2) / 2},
      {"diag/grad_share_grade_3", (2.0 / 7 + 0) / 2}, {"diag/grad_share_grade_2", (0 + 1.0 / 4) / 2},
      {"diag/grad_share_grade_1", (1.0 / 2 + 1.0 / 4) / 2}, {"diag/count_grade_3", 0.5},
      {"diag/count_grade_2", 0.5},                  {"diag/count_grade_1", 1.5},
      {"diag/pos_mass", (7.0 / 8 + 1.0 / 2) / 2}};
  // Closed form, and autograd's dL/dS (other per-row factors; shares must not change).
  for (const bool autograd : {false, true}) {
    const auto list = autograd ? in_batch_diagnostics(scores, testing::backward_gradient(scores, masks, config),
                                                      masks, layout, config)
                               : in_batch_diagnostics(scores, masks, layout, config);
    Figures figures(list.begin(), list.end());
    for (const auto& [name, value] : expected) {
      ASSERT_EQ(figures.count(name), 1u) << name;
      EXPECT_NEAR(figures[name], value, 1e-12) << name << (autograd ? " (autograd)" : "");
    }
  }
  // Without grade levels (a dataset of one grade) no grade series are written.
  layout.grade_levels.clear();
  for (const auto& [name, value] : in_batch_diagnostics(scores, masks, layout, config))
    EXPECT_EQ(name.find("_grade_"), std::string::npos) << name;
  EXPECT_EQ(grade_levels({{"a", {{1, 1.0f}, {2, 1.0f}}, {}}}), std::vector<float>{});
  EXPECT_EQ(grade_levels({{"a", {{1, 1.0f}, {2, 3.0f}}, {}}, {"b", {{3, 2.0f}}, {}}}),
            (std::vector<float>{3, 2, 1}));
  EXPECT_EQ(grade_label(0.5f), "0.5");
  EXPECT_EQ(grade_label(3.0f), "3");
  for (const auto& name : diagnostic_names({"human"}, 2, {3, 0.5f}))
    EXPECT_FALSE(diagnostic_description(name).empty()) << name;
}

TEST(Diagnostics, NamesAreStableAndDocumented) {
  const auto names = diagnostic_names({"human", "llm"}, 4);
  for (const char* required :
       {"diag/pos_mass", "diag/mass_rank1", "diag/mass_rank4", "diag/entropy_norm",
        "diag/eff_positives", "diag/grad_share_pos", "diag/grad_share_hardneg",
        "diag/grad_share_inbatch", "diag/grad_share_rank1", "diag/pushed_down_count",
        "diag/pushed_down_mass", "diag/margin", "diag/mass_source_llm",
        "diag/grad_share_source_human", "diag/mass_false_pos", "diag/grad_share_false_pos",
        "diag/queries_dropped"})
    EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
  for (const auto& name : names) {
    const auto description = diagnostic_description(name);
    EXPECT_FALSE(description.empty()) << name;
    EXPECT_EQ(description.back(), '.') << name;
  }
  EXPECT_EQ(diagnostic_description("diag/unknown"), "");
  EXPECT_EQ(diagnostic_description("diag/mass_rank"), "");
  // The list the accumulator returns follows diagnostic_names.
  const auto layout = worked_example_layout();
  const auto list =
      in_batch_diagnostics(worked_example_scores(), make_score_masks(layout, at::kDouble), layout,
                           config_named("jointlh"));
  ASSERT_EQ(list.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(list[i].first, names[i]);
}

TEST(Diagnostics, RejectsMismatchedShapes) {
  const auto layout = worked_example_layout();
  const auto masks = make_score_masks(layout, at::kDouble);
  EXPECT_THROW(in_batch_diagnostics(at::zeros({1, 4}, at::kDouble), at::zeros({1, 4}, at::kDouble),
                                    masks, layout, config_named("jointlh")),
               std::invalid_argument);
}

}  // namespace
}  // namespace multipos::objectives
