#include <gtest/gtest.h>

#include <fstream>

#include "core/train/train_config.hpp"
#include "core/util/config_reader.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::train::load_train_config;
using multipos::train::train_config_from_json;
using multipos::util::ConfigError;

namespace {

std::string error_of(const nlohmann::json& json) {
  try {
    train_config_from_json(json, "preset.json");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST(TrainConfig, DefaultsAndRoundTrip) {
  auto config = train_config_from_json({{"objective", "lsepair"}, {"steps", 40}}, "x.json");
  EXPECT_EQ(config.objective.name, "lsepair");
  EXPECT_EQ(config.name, "lsepair");
  EXPECT_EQ(config.steps, 40);
  EXPECT_EQ(config.batch.group_size, 8);
  EXPECT_EQ(config.batch.max_positives, 4);
  auto again = train_config_from_json(multipos::train::to_json(config), "stored");
  EXPECT_EQ(multipos::train::to_json(again), multipos::train::to_json(config));
}

TEST(TrainConfig, ErrorsNameTheFileAndTheField) {
  EXPECT_NE(error_of({{"stepz", 3}}).find("preset.json: field 'stepz': unknown field"), std::string::npos);
  EXPECT_NE(error_of({{"optimizer", {{"lr", "fast"}}}}).find("field 'optimizer.lr': expected a number"),
            std::string::npos);
  EXPECT_NE(error_of({{"batch", {{"group_size", 4}, {"max_positives", 6}}}}).find("batch.max_positives"),
            std::string::npos);
  std::string objective = error_of({{"objective", "jointLH"}});
  EXPECT_NE(objective.find("preset.json"), std::string::npos) << objective;
  EXPECT_NE(objective.find("lsepair"), std::string::npos) << "lists the valid names: " << objective;
  EXPECT_NE(error_of({{"steps", 0}}).find("field 'steps'"), std::string::npos);
}

TEST(TrainConfig, PositiveSamplingIsCheckedAndRoundTrips) {
  const std::string bad = error_of({{"batch", {{"positive_sampling", "shuffle"}}}});
  EXPECT_NE(bad.find("preset.json: field 'batch.positive_sampling'"), std::string::npos) << bad;
  EXPECT_NE(bad.find("graded_random"), std::string::npos) << "lists the valid schemes: " << bad;
  auto config = train_config_from_json({{"batch", {{"positive_sampling", "rotate"}}}}, "x.json");
  EXPECT_EQ(config.batch.positive_sampling, "rotate");
  EXPECT_EQ(train_config_from_json(multipos::train::to_json(config), "stored").batch.positive_sampling, "rotate");
  // The default is not written, so configs from before the field keep their JSON (and hashes).
  const auto plain = multipos::train::to_json(train_config_from_json(nlohmann::json::object(), "x.json"));
  EXPECT_FALSE(plain.at("batch").contains("positive_sampling"));
}

TEST(TrainConfig, BrokenJsonNamesTheLine) {
  multipos::testing::TempDir dir;
  std::string file = dir.file("broken.json");
  std::ofstream(file) << "{\n  \"steps\": 10,\n  \"seed\": ,\n}\n";
  try {
    load_train_config(file);
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find(file + ":3:"), std::string::npos) << error.what();
  }
  EXPECT_THROW(load_train_config(dir.file("absent.json")), ConfigError);
}
