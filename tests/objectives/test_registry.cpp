// Issue #18: the objective registry is the one place that knows the objectives. The built-in
// traits reproduce what the code compared names for; a dummy objective registered here (an LSEPair
// twin under another name, label and colour) is accepted by config validation, trains through the
// loss and the closed-form gradient (checked against autograd), enters the study plan and its
// validation, and shows with its own label and colour in reports, with no other file touched.
// Its own binary: registering changes process-wide state.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

#include "core/objectives/config.hpp"
#include "core/objectives/gradients.hpp"
#include "core/objectives/loss.hpp"
#include "core/objectives/masks.hpp"
#include "core/objectives/registry.hpp"
#include "core/study/study_figures.hpp"
#include "core/study/study_spec.hpp"
#include "core/study/study_summary.hpp"
#include "core/train/train_config.hpp"
#include "tests/objectives/test_helpers.hpp"

using namespace multipos;
using namespace multipos::objectives;

TEST(ObjectiveRegistry, BuiltInTraitsMatchTheSpecification) {
  EXPECT_EQ(objective_names(), (std::vector<std::string>{"infonce", "rand1lh", "jointlh", "summarglh", "lsepair",
                                                         "listwise_w2", "listwise_kl"}));
  EXPECT_TRUE(uses_single_positive("infonce"));
  EXPECT_TRUE(uses_single_positive("rand1lh"));
  EXPECT_FALSE(uses_single_positive("jointlh"));
  EXPECT_TRUE(is_graded_objective("listwise_w2") && is_graded_objective("listwise_kl"));
  EXPECT_FALSE(is_graded_objective("lsepair"));
  for (const char* name : {"infonce", "rand1lh", "jointlh", "summarglh", "lsepair"})
    EXPECT_TRUE(has_closed_form_gradient(name)) << name;
  EXPECT_FALSE(has_closed_form_gradient("listwise_kl"));
  EXPECT_FALSE(has_closed_form_gradient("nope"));
  EXPECT_EQ(objective_traits("summarglh").label, "SumMargLH");
  EXPECT_EQ(default_objective(), "infonce");
  EXPECT_THROW(objective_traits("nope"), std::invalid_argument);
  // Options only their readers take, with the message naming who reads it.
  try {
    objective_config_from_json({{"name", "jointlh"}, {"negative_selector", "max"}}, "preset.json");
    FAIL() << "jointlh accepted negative_selector";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("applies only to lsepair (objective is 'jointlh')"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(objective_config_from_json({{"name", "listwise_w2"}, {"normalize_by_m", true}}, "p"),
               std::invalid_argument);
  // Registration refuses what would make the table ambiguous.
  ObjectiveTraits taken;
  taken.name = "lsepair";
  EXPECT_THROW(register_objective(taken), std::invalid_argument);
  ObjectiveTraits bad;
  bad.name = "odd";
  bad.options = {"learning_rate"};
  EXPECT_THROW(register_objective(bad), std::invalid_argument);
}

TEST(ObjectiveRegistry, ADummyObjectiveRunsEndToEndFromItsRegistryRowAlone) {
  ObjectiveTraits dummy;
  dummy.name = "dummy_pair";
  dummy.label = "DummyPair";
  dummy.color = {1, 2, 3};
  dummy.form = LossForm::lse_pair;
  dummy.options = {"positive_selector", "negative_selector", "normalize_by_m"};
  register_objective(dummy);

  // Config validation and the names every list reads.
  const auto names = objective_names();
  ASSERT_EQ(names.back(), "dummy_pair");
  const ObjectiveConfig config =
      objective_config_from_json({{"name", "dummy_pair"}, {"positive_selector", "max"}, {"temperature", 0.5}}, "p");
  // The option now names both readers.
  try {
    objective_config_from_json({{"name", "jointlh"}, {"positive_selector", "max"}}, "p");
    FAIL();
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("applies only to lsepair, dummy_pair"), std::string::npos) << error.what();
  }

  // The loss and closed-form gradient come from its form: LSEPair's numbers, and autograd agrees.
  at::manual_seed(7);
  const ScoreLayout layout = objectives::testing::grouped_layout({2, 1, 3}, 4);
  const auto scores = at::randn({3, 12}, at::kDouble) * 3;
  const ScoreMasks masks = make_score_masks(layout, at::kDouble);
  ObjectiveConfig twin = config;
  twin.name = "lsepair";
  EXPECT_TRUE(at::allclose(objective_loss(scores, masks, config), objective_loss(scores, masks, twin), 0, 0));
  const auto closed = closed_form_gradient(scores, masks, config);
  EXPECT_TRUE(at::allclose(closed, autograd_gradient(scores, masks, config), 1e-10, 1e-12));

  // The study plan takes it like any objective, and each planned config validates.
  study::StudySpec spec;
  spec.name = "registry";
  spec.base_config = {{"dataset", {{"kind", "synthetic"}}}, {"steps", 5}};
  spec.objectives = {"lsepair", "dummy_pair"};
  spec.regimes = {"mixed"};
  spec.noise_rates = {0};
  spec.seeds = {1};
  const auto planned = study::plan_study(spec);
  ASSERT_EQ(planned.size(), 2u);
  EXPECT_EQ(planned[1].config["objective"]["name"], "dummy_pair");
  EXPECT_EQ(train::train_config_from_json(planned[1].config, "plan").objective.name, "dummy_pair");
  EXPECT_EQ(study::objective_label("dummy_pair"), "DummyPair");
  const study::Color color = study::objective_color("dummy_pair");
  EXPECT_EQ(color.r, 1);
  EXPECT_EQ(color.b, 3);
}
