#include "core/objectives/config.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/objectives/registry.hpp"

namespace multipos::objectives {
namespace {

const std::vector<std::string> kPositiveSelectors = {"all", "min", "max"};
const std::vector<std::string> kNegativeSelectors = {"all", "max"};
const std::vector<std::string> kRand1Draws = {"rotation", "iid"};
const std::vector<std::string> kSimilarities = {"dot", "cosine"};
const std::vector<std::string> kKeys = {
    "name", "normalize_by_m", "positive_selector", "negative_selector", "rand1_draw", "temperature",
    "tau",  "similarity"};

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : ", ") + value;
  return out;
}

[[noreturn]] void fail(const std::string& where, const std::string& field,
                       const std::string& what) {
  throw std::invalid_argument(where + ": objective field '" + field + "': " + what);
}

void require_one_of(const std::string& where, const std::string& field, const std::string& value,
                    const std::vector<std::string>& valid) {
  if (!contains(valid, value))
    fail(where, field, "unknown value '" + value + "' (valid: " + join(valid) + ")");
}

// Options that only some objectives read are rejected elsewhere, so a preset cannot silently
// carry a setting that has no effect.
void require_default_unless_read(const std::string& where, const std::string& field, bool is_default,
                                 const ObjectiveTraits& traits) {
  const auto& options = traits.options;
  if (is_default || std::find(options.begin(), options.end(), field) != options.end()) return;
  if (traits.batch_level && field == "normalize_by_m")
    fail(where, field, "has no meaning for the batch-level " + traits.name);
  std::vector<std::string> readers;
  for (const auto& other : objective_registry())
    if (std::find(other.options.begin(), other.options.end(), field) != other.options.end())
      readers.push_back(other.name);
  fail(where, field, "applies only to " + join(readers) + " (objective is '" + traits.name + "')");
}

template <typename T>
T read_field(const nlohmann::json& json, const std::string& key, const std::string& where,
             const char* type_name) {
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(where, key, std::string("expected a ") + type_name + ", got " + json.at(key).dump());
  }
}

}  // namespace

std::vector<std::string> objective_names() {
  std::vector<std::string> names;
  for (const auto& traits : objective_registry()) names.push_back(traits.name);
  return names;
}

bool uses_single_positive(const std::string& name) {
  const ObjectiveTraits* traits = find_objective(name);
  return traits != nullptr && traits->positives != PositiveUse::all;
}

bool is_graded_objective(const std::string& name) {
  const ObjectiveTraits* traits = find_objective(name);
  return traits != nullptr && traits->graded;
}

bool has_closed_form_gradient(const std::string& name) {
  const ObjectiveTraits* traits = find_objective(name);
  return traits != nullptr && traits->closed_form_gradient;
}

void validate_objective_config(const ObjectiveConfig& config, const std::string& where) {
  require_one_of(where, "name", config.name, objective_names());
  require_one_of(where, "positive_selector", config.positive_selector, kPositiveSelectors);
  require_one_of(where, "negative_selector", config.negative_selector, kNegativeSelectors);
  require_one_of(where, "rand1_draw", config.rand1_draw, kRand1Draws);
  require_one_of(where, "similarity", config.similarity, kSimilarities);
  if (!(config.temperature > 0.0) || !std::isfinite(config.temperature))
    fail(where, "temperature (tau)",
         "must be a finite number > 0, got " + std::to_string(config.temperature));
  const ObjectiveTraits& traits = objective_traits(config.name);
  require_default_unless_read(where, "positive_selector", config.positive_selector == "all", traits);
  require_default_unless_read(where, "negative_selector", config.negative_selector == "all", traits);
  require_default_unless_read(where, "rand1_draw", config.rand1_draw == "rotation", traits);
  require_default_unless_read(where, "normalize_by_m", !config.normalize_by_m, traits);
}

ObjectiveConfig objective_config_from_json(const nlohmann::json& json, const std::string& where) {
  if (!json.is_object()) throw std::invalid_argument(where + ": objective must be a JSON object");
  for (const auto& item : json.items())
    if (!contains(kKeys, item.key()))
      fail(where, item.key(), "unknown field (valid: " + join(kKeys) + ")");
  if (!json.contains("name"))
    fail(where, "name", "missing (valid: " + join(objective_names()) + ")");
  if (json.contains("temperature") && json.contains("tau"))
    fail(where, "tau", "give either 'temperature' or its alias 'tau', not both");

  ObjectiveConfig config;
  config.name = read_field<std::string>(json, "name", where, "string");
  if (json.contains("normalize_by_m"))
    config.normalize_by_m = read_field<bool>(json, "normalize_by_m", where, "boolean");
  const std::pair<const char*, std::string*> string_fields[] = {
      {"positive_selector", &config.positive_selector},
      {"negative_selector", &config.negative_selector},
      {"rand1_draw", &config.rand1_draw},
      {"similarity", &config.similarity}};
  for (const auto& [key, field] : string_fields)
    if (json.contains(key)) *field = read_field<std::string>(json, key, where, "string");
  for (const char* key : {"temperature", "tau"})
    if (json.contains(key)) config.temperature = read_field<double>(json, key, where, "number");
  validate_objective_config(config, where);
  return config;
}

nlohmann::json objective_config_to_json(const ObjectiveConfig& config) {
  return nlohmann::json{{"name", config.name},
                        {"normalize_by_m", config.normalize_by_m},
                        {"positive_selector", config.positive_selector},
                        {"negative_selector", config.negative_selector},
                        {"rand1_draw", config.rand1_draw},
                        {"temperature", config.temperature},
                        {"similarity", config.similarity}};
}

}  // namespace multipos::objectives
