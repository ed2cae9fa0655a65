// The study grid: planning, the state file, refusing a changed grid, and bad study files.
#include <gtest/gtest.h>

#include <fstream>

#include "core/study/study_spec.hpp"
#include "core/util/config_reader.hpp"
#include "tests/support/temp_dir.hpp"

using namespace multipos::study;

namespace {

StudySpec small_spec() {
  StudySpec spec;
  spec.name = "s";
  spec.base_config = {{"dataset", {{"kind", "synthetic"}, {"noise", {{"drop_rate", 0.1}}}}},
                      {"objective", {{"name", "infonce"}, {"temperature", 0.05}}},
                      {"steps", 10}};
  spec.objectives = {"infonce", "lsepair"};
  spec.regimes = {"llm_dense", "mixed"};
  spec.noise_rates = {0, 0.2};
  spec.seeds = {1, 2};
  return spec;
}

}  // namespace

TEST(StudyPlan, OneRunPerCellWithTheCellsSettingsAndTheBaseKept) {
  auto planned = plan_study(small_spec());
  ASSERT_EQ(planned.size(), 16u);
  // Objectives innermost: a whole comparison finishes before the queue moves on.
  EXPECT_EQ(planned[0].cell.objective, "infonce");
  EXPECT_EQ(planned[1].cell.objective, "lsepair");
  EXPECT_EQ(planned[0].group_id, planned[1].group_id);
  EXPECT_NE(planned[0].group_id, planned[2].group_id);
  const auto& run = planned[15];
  EXPECT_EQ(run.cell.key(), "mixed/noise=0.2/seed=2/lsepair");
  EXPECT_EQ(run.config["dataset"]["regime"]["name"], "mixed");
  EXPECT_EQ(run.config["dataset"]["noise"]["false_positive_rate"], 0.2);
  EXPECT_EQ(run.config["dataset"]["noise"]["seed"], 2);
  EXPECT_EQ(run.config["dataset"]["noise"]["drop_rate"], 0.1);  // the base's own noise field stays
  EXPECT_EQ(run.config["objective"]["name"], "lsepair");
  EXPECT_EQ(run.config["objective"]["temperature"], 0.05);
  EXPECT_EQ(run.config["seed"], 2);
  EXPECT_EQ(run.config["eval"]["split"], "test");
  std::set<std::string> keys;
  for (const auto& p : planned) keys.insert(p.cell.key());
  EXPECT_EQ(keys.size(), planned.size());
}

TEST(StudyPlan, StateRoundTripsAndAChangedGridNamesTheFields) {
  multipos::testing::TempDir dir;
  StudyState state{small_spec(), {{"llm_dense/noise=0/seed=1/infonce", 7}}, 3, {{1, 4}, {2, 5}}};
  save_study_state(state, dir.file("study"));
  StudyState loaded = load_study_state(dir.file("study"));
  EXPECT_TRUE(differing_fields(loaded.spec, state.spec).empty());
  EXPECT_EQ(loaded.runs.at("llm_dense/noise=0/seed=1/infonce"), 7);
  EXPECT_EQ(loaded.bm25_run, 3);
  EXPECT_EQ(loaded.untrained_runs.at(2), 5);

  StudySpec other = small_spec();
  other.noise_rates = {0, 0.4};
  other.base_config["steps"] = 20;
  auto fields = differing_fields(state.spec, other);
  EXPECT_EQ(fields, (std::vector<std::string>{"base_config.steps", "noise_rates"}));
  EXPECT_EQ(list_studies(dir.file("x")).size(), 0u);
}

TEST(StudyPlan, BrokenStudyFilesAreRefusedWithFileAndField) {
  multipos::testing::TempDir dir;
  std::filesystem::create_directories(dir.file("study"));
  std::ofstream(dir.file("study/study.json")) << R"({"spec": {"name": "s", "base_config": {}, "objectives": ["infonce"],
    "regimes": ["mixed"], "noise_rates": [0, 1.5], "seeds": [1]}})";
  try {
    load_study_state(dir.file("study"));
    FAIL() << "accepted a noise rate of 1.5";
  } catch (const multipos::util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("study.json"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("noise_rates[1]"), std::string::npos) << error.what();
  }
  std::ofstream(dir.file("study/study.json")) << R"({"spec": {"name": "s", "base_config": {}, "objectives": [],)";
  EXPECT_THROW(load_study_state(dir.file("study")), multipos::util::ConfigError);
  nlohmann::json spec = to_json(small_spec());
  spec["seeds"] = {1, "two"};
  EXPECT_THROW(study_spec_from_json(spec, "x.json"), multipos::util::ConfigError);
}

// Issue #24: the positive-sampling axis repeats the grid per scheme, one section (table) each;
// without it the keys and the state file stay as before.
TEST(StudyPlan, PositiveSamplingAxisRepeatsTheGridPerScheme) {
  StudySpec spec = small_spec();
  EXPECT_EQ(study_sections(spec), (std::vector<std::string>{"llm_dense", "mixed"}));
  EXPECT_FALSE(to_json(spec).contains("positive_sampling"));
  spec.positive_samplings = {"first", "rotate"};
  EXPECT_EQ(study_sections(spec), (std::vector<std::string>{"llm_dense@first", "llm_dense@rotate", "mixed@first", "mixed@rotate"}));
  auto planned = plan_study(spec);
  ASSERT_EQ(planned.size(), 32u);
  const auto& run = planned.back();
  EXPECT_EQ(run.cell.key(), "mixed@rotate/noise=0.2/seed=2/lsepair");
  EXPECT_EQ(run.config["dataset"]["regime"]["name"], "mixed");
  EXPECT_EQ(run.config["batch"]["positive_sampling"], "rotate");
  EXPECT_EQ(planned.front().config["batch"]["positive_sampling"], "first");
  EXPECT_EQ(describe_section("mixed@rotate"), "mixed, positive_sampling rotate");
  EXPECT_EQ(split_section("mixed").second, "");
  const StudySpec back = study_spec_from_json(to_json(spec), "study.json");
  EXPECT_EQ(back.positive_samplings, spec.positive_samplings);
  EXPECT_EQ(differing_fields(small_spec(), spec), (std::vector<std::string>{"positive_sampling"}));
  auto json = to_json(spec);
  json["positive_sampling"] = {"first", "shuffle"};
  try {
    study_spec_from_json(json, "study.json");
    FAIL() << "an unknown scheme must be refused";
  } catch (const multipos::util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("positive_sampling[1]"), std::string::npos) << error.what();
  }
}
