// The `--set key.path=value` option of `train`, `launch` and `study`: sets a dotted path of a JSON
// config to a value parsed as JSON (or kept as text when it is not JSON). Torch-free, fuzzed with
// the run config (tests/fuzz).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace multipos::util {

// Objects are created along the path (a non-object on the way is replaced by one). Throws
// ConfigError naming the assignment when it has no '=', no key, an empty path segment or bytes
// that are not UTF-8.
void apply_config_override(nlohmann::json& config, const std::string& assignment);

}  // namespace multipos::util
