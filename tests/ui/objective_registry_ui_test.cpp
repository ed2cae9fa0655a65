// Issue #18: the launch form lists and ticks objectives from the engine's registry. A dummy
// objective registered here (its own binary: registering changes process-wide state) appears in
// the form's model, is ticked by default when its row says so, and passes the form's checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/objectives/registry.hpp"
#include "core/util/component_kinds.hpp"
#include "ui/panels/launch_data_form.hpp"
#include "ui/panels/launch_panel.hpp"
#include "ui/models/launch_request.hpp"

using namespace multipos;

namespace {

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST(ObjectiveRegistryUi, TheLaunchFormOffersAndTicksARegisteredObjective) {
  ui::LaunchRequest request;
  request.preset_path = std::string(MULTIPOS_SOURCE_DIR) + "/assets/presets/demo.json";
  request.objectives = {"dummy_listwise"};
  ASSERT_EQ(ui::check_launch_ranges(request).size(), 1u);  // unknown before it is registered
  EXPECT_EQ(ui::check_launch_ranges(request)[0].field, "objectives");
  EXPECT_EQ(ui::default_launch_objectives(), (std::vector<std::string>{"infonce", "jointlh", "lsepair"}));

  objectives::ObjectiveTraits dummy;
  dummy.name = "dummy_listwise";
  dummy.label = "Dummy listwise";
  dummy.form = objectives::LossForm::listwise_kl;
  dummy.graded = true;
  dummy.closed_form_gradient = false;
  dummy.launch_default = true;
  objectives::register_objective(dummy);

  EXPECT_TRUE(has(ui::launchable_objectives(), "dummy_listwise"));
  EXPECT_TRUE(ui::check_launch_ranges(request).empty()) << ui::check_launch_ranges(request)[0].message;
  ui::LaunchPanel panel(std::string(MULTIPOS_SOURCE_DIR) + "/assets", nullptr);
  EXPECT_TRUE(has(panel.draft().objectives, "dummy_listwise"));
  EXPECT_TRUE(has(panel.draft().objectives, "lsepair"));
}

// Dataset and encoder kinds come from the engine's table (core/util/component_kinds), which the
// factories validate against: the form offers exactly those, requires each kind's file fields,
// and names the table's kinds when the JSON holds another.
TEST(ComponentKindsUi, TheLaunchFormOffersTheEnginesDatasetAndEncoderKinds) {
  EXPECT_EQ(ui::dataset_kinds(), util::kind_names(util::dataset_kinds()));
  EXPECT_EQ(ui::encoder_kinds(), util::kind_names(util::encoder_kinds()));
  for (const auto& kind : util::dataset_kinds()) {
    EXPECT_EQ(ui::dataset_kind_reads_path(kind.name), !kind.file_fields.empty()) << kind.name;
    nlohmann::json spec = {{"kind", "synthetic"}, {"regime", {{"name", "mixed"}}}};
    ui::change_dataset_kind(spec, kind.name);
    EXPECT_EQ(spec["regime"]["name"], "mixed") << "label options survive a change of kind";
    const auto errors = ui::check_dataset_spec(spec);
    EXPECT_EQ(errors.size(), kind.file_fields.size()) << kind.name << ": one 'choose the file' per file field";
    for (size_t i = 0; i < errors.size() && i < kind.file_fields.size(); ++i)
      EXPECT_EQ(errors[i].rfind("dataset." + kind.file_fields[i] + ": choose", 0), 0u) << errors[i];
  }
  const auto errors = ui::check_dataset_spec(nlohmann::json{{"kind", "parquet"}});
  ASSERT_FALSE(errors.empty());
  std::string names;
  for (const auto& name : util::kind_names(util::dataset_kinds())) names += (names.empty() ? "" : ", ") + name;
  EXPECT_EQ(errors.front(), "dataset.kind: 'parquet' is not one of " + names);
}
