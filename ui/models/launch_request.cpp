#include "ui/models/launch_request.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "core/objectives/config.hpp"
#include "core/objectives/positive_sampling.hpp"
#include "core/objectives/registry.hpp"
#include "ui/panels/launch_data_form.hpp"

namespace multipos::ui {

namespace {

bool is_device(const std::string& device) {
  if (device == "auto" || device == "cpu" || device == "cuda") return true;
  const std::string prefix = "cuda:";
  if (device.size() <= prefix.size() || device.compare(0, prefix.size(), prefix) != 0) return false;
  return std::all_of(device.begin() + static_cast<std::ptrdiff_t>(prefix.size()), device.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

std::vector<std::string> launchable_objectives() { return objectives::objective_names(); }

std::vector<std::string> default_launch_objectives() {
  std::vector<std::string> names;
  for (const auto& traits : objectives::objective_registry())
    if (traits.launch_default) names.push_back(traits.name);
  return names;
}

std::vector<FieldError> check_launch_ranges(const LaunchRequest& request) {
  std::vector<FieldError> errors;
  std::error_code fs_error;
  if (request.base_config.is_object()) {
    // A copied run's config: nothing to read from disk.
  } else if (request.preset_path.empty()) {
    errors.push_back({"preset", "choose a preset"});
  } else if (!std::filesystem::is_regular_file(request.preset_path, fs_error)) {
    errors.push_back({"preset", request.preset_path + ": no such file"});
  }
  if (request.objectives.empty()) errors.push_back({"objectives", "tick at least one objective"});
  for (const auto& objective : request.objectives) {
    const auto& known = launchable_objectives();
    if (std::find(known.begin(), known.end(), objective) == known.end()) {
      errors.push_back({"objectives", "unknown objective '" + objective + "'"});
    }
  }
  if (request.steps < 1 || request.steps > 100000000) errors.push_back({"steps", "steps: expected 1..100000000"});
  if (request.seed < 0) errors.push_back({"seed", "seed: expected a number >= 0"});
  if (!(request.lr > 0.0 && request.lr <= 10.0) || !std::isfinite(request.lr)) {
    errors.push_back({"lr", "learning rate: expected 0 < lr <= 10"});
  }
  if (!is_device(request.device)) errors.push_back({"device", "device: expected auto, cpu, cuda or cuda:N"});
  if (request.cache_chunk < 0)
    errors.push_back({"cache_chunk", "cache chunk: expected 0 (off) or a number of queries"});
  const auto& sampling = request.positive_sampling;
  if (!sampling.empty() && !objectives::is_positive_sampling_scheme(sampling))
    errors.push_back({"positive_sampling", "positives: expected " + objectives::positive_sampling_scheme_list()});
  if (request.max_concurrent < 1 || request.max_concurrent > 64) {
    errors.push_back({"max_concurrent", "at most: expected 1..64 runs at once"});
  }
  if (!request.dataset.is_null()) {
    for (auto& message : check_dataset_spec(request.dataset)) errors.push_back({"dataset", std::move(message)});
  }
  if (!request.encoder.is_null() && !request.encoder.is_object()) {
    errors.push_back({"encoder", "encoder: expected a JSON object"});
  }
  return errors;
}

}  // namespace multipos::ui
