// Objective presets: parsing, defaults and errors that name the place and the field at fault.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/objectives/config.hpp"

namespace multipos::objectives {
namespace {

std::string error_of(const nlohmann::json& json) {
  try {
    objective_config_from_json(json, "presets/run.json:objective");
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

TEST(ObjectiveConfig, ParsesEveryFieldAndKeepsDefaults) {
  const auto config = objective_config_from_json({{"name", "lsepair"},
                                                  {"positive_selector", "min"},
                                                  {"negative_selector", "max"},
                                                  {"normalize_by_m", true},
                                                  {"temperature", 0.05},
                                                  {"similarity", "cosine"}},
                                                 "here");
  EXPECT_EQ(config.name, "lsepair");
  EXPECT_EQ(config.positive_selector, "min");
  EXPECT_EQ(config.negative_selector, "max");
  EXPECT_TRUE(config.normalize_by_m);
  EXPECT_DOUBLE_EQ(config.temperature, 0.05);
  EXPECT_EQ(config.similarity, "cosine");
  EXPECT_EQ(config.rand1_draw, "rotation");

  const auto defaults = objective_config_from_json({{"name", "jointlh"}}, "here");
  EXPECT_FALSE(defaults.normalize_by_m);
  EXPECT_EQ(defaults.positive_selector, "all");
  EXPECT_DOUBLE_EQ(defaults.temperature, 1.0);
  EXPECT_EQ(defaults.similarity, "dot");
}

TEST(ObjectiveConfig, RoundTripsThroughJson) {
  const auto config =
      objective_config_from_json({{"name", "rand1lh"}, {"rand1_draw", "iid"}, {"tau", 0.1}}, "x");
  const auto again = objective_config_from_json(objective_config_to_json(config), "x");
  EXPECT_EQ(again.rand1_draw, "iid");
  EXPECT_DOUBLE_EQ(again.temperature, 0.1);
}

TEST(ObjectiveConfig, UnknownNameListsTheValidOnes) {
  const auto message = error_of({{"name", "infoNCE"}});
  EXPECT_NE(message.find("presets/run.json:objective"), std::string::npos) << message;
  EXPECT_NE(message.find("'name'"), std::string::npos) << message;
  EXPECT_NE(message.find("infoNCE"), std::string::npos) << message;
  for (const auto& name : objective_names())
    EXPECT_NE(message.find(name), std::string::npos) << name << " missing from: " << message;
}

TEST(ObjectiveConfig, BadOptionValuesNameTheField) {
  auto message = error_of({{"name", "lsepair"}, {"positive_selector", "median"}});
  EXPECT_NE(message.find("positive_selector"), std::string::npos) << message;
  EXPECT_NE(message.find("all, min, max"), std::string::npos) << message;
  message = error_of({{"name", "lsepair"}, {"negative_selector", "min"}});
  EXPECT_NE(message.find("negative_selector"), std::string::npos) << message;
  EXPECT_NE(message.find("all, max"), std::string::npos) << message;
  message = error_of({{"name", "rand1lh"}, {"rand1_draw", "shuffle"}});
  EXPECT_NE(message.find("rand1_draw"), std::string::npos) << message;
  EXPECT_NE(message.find("rotation, iid"), std::string::npos) << message;
  message = error_of({{"name", "jointlh"}, {"similarity", "l2"}});
  EXPECT_NE(message.find("similarity"), std::string::npos) << message;
  EXPECT_NE(message.find("dot, cosine"), std::string::npos) << message;
}

TEST(ObjectiveConfig, TemperatureMustBePositive) {
  for (double tau : {0.0, -1.0}) {
    const auto message = error_of({{"name", "jointlh"}, {"temperature", tau}});
    EXPECT_NE(message.find("temperature"), std::string::npos) << message;
    EXPECT_NE(message.find("> 0"), std::string::npos) << message;
  }
  EXPECT_NE(error_of({{"name", "jointlh"}, {"tau", 0.1}, {"temperature", 0.1}}).find("tau"),
            std::string::npos);
}

TEST(ObjectiveConfig, RejectsTyposWrongTypesAndMisplacedOptions) {
  auto message = error_of({{"name", "jointlh"}, {"normalise_by_m", true}});
  EXPECT_NE(message.find("normalise_by_m"), std::string::npos) << message;
  EXPECT_NE(message.find("normalize_by_m"), std::string::npos) << message;  // the valid keys
  message = error_of({{"name", "jointlh"}, {"normalize_by_m", "yes"}});
  EXPECT_NE(message.find("normalize_by_m"), std::string::npos) << message;
  EXPECT_NE(message.find("boolean"), std::string::npos) << message;
  message = error_of({{"name", "jointlh"}, {"positive_selector", "min"}});
  EXPECT_NE(message.find("applies only to lsepair"), std::string::npos) << message;
  message = error_of({{"name", "infonce"}, {"rand1_draw", "iid"}});
  EXPECT_NE(message.find("applies only to rand1lh"), std::string::npos) << message;
  message = error_of({{"name", "listwise_w2"}, {"normalize_by_m", true}});
  EXPECT_NE(message.find("normalize_by_m"), std::string::npos) << message;
  EXPECT_NE(error_of({{"temperature", 1.0}}).find("'name'"), std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::array()).find("presets/run.json"), std::string::npos);
}

TEST(ObjectiveConfig, ObjectiveFamilies) {
  EXPECT_EQ(objective_names().size(), 7u);
  EXPECT_TRUE(uses_single_positive("infonce"));
  EXPECT_TRUE(uses_single_positive("rand1lh"));
  EXPECT_FALSE(uses_single_positive("jointlh"));
  EXPECT_TRUE(is_graded_objective("listwise_w2"));
  EXPECT_TRUE(has_closed_form_gradient("lsepair"));
  EXPECT_FALSE(has_closed_form_gradient("listwise_kl"));
  EXPECT_FALSE(has_closed_form_gradient("nonsense"));
}

}  // namespace
}  // namespace multipos::objectives
