// Objective configuration: which training objective a run uses and its options, parsed and
// validated from a run preset's JSON. Torch-free so that the CLI, the store and the UI can
// read and check presets without pulling LibTorch in.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace multipos::objectives {

struct ObjectiveConfig {
  std::string name;                       // a registered objective (objective_names())
  bool normalize_by_m = false;            // divide each query's loss by its number of positives
  std::string positive_selector = "all";  // lsepair only: all | min | max
  std::string negative_selector = "all";  // lsepair only: all | max
  std::string rand1_draw = "rotation";    // rand1lh only: rotation | iid
  double temperature = 1.0;               // tau > 0; similarities are divided by it
  std::string similarity = "dot";         // dot | cosine
};

// The registered objectives' names (core/objectives/registry.hpp), in the order the studio lists
// them. The three predicates below read the registry's traits; false for an unknown name.
std::vector<std::string> objective_names();

// True for the objectives whose batch holds a single positive per query (infonce, rand1lh).
bool uses_single_positive(const std::string& name);

// True for the objectives trained on relevance grades (listwise_w2, listwise_kl).
bool is_graded_objective(const std::string& name);

// True when the spec gives dL/ds in closed form (every objective except the listwise ones).
bool has_closed_form_gradient(const std::string& name);

// Parses {"name": ..., "normalize_by_m": ..., "positive_selector": ..., "negative_selector": ...,
// "rand1_draw": ..., "temperature" (alias "tau"): ..., "similarity": ...}. Missing fields take
// the defaults above. Throws std::invalid_argument naming `where`, the field at fault and the
// valid values: unknown keys, unknown names or option values, tau <= 0, options given to an
// objective they do not apply to (e.g. a selector other than "all" for jointlh).
ObjectiveConfig objective_config_from_json(const nlohmann::json& json, const std::string& where);

// Throws std::invalid_argument (prefixed by `where`) when `config` breaks the rules above.
void validate_objective_config(const ObjectiveConfig& config, const std::string& where);

nlohmann::json objective_config_to_json(const ObjectiveConfig& config);

}  // namespace multipos::objectives
