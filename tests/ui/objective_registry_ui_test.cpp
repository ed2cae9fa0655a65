// Issue #18: the launch form lists and ticks objectives from the engine's registry. A dummy
// objective registered here (its own binary: registering changes process-wide state) appears in
// the form's model, is ticked by default when its row says so, and passes the form's checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/objectives/registry.hpp"
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
