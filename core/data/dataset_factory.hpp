// Builds the dataset a config names: {"kind": "synthetic", ...generator fields}. File formats
// (BEIR, Tevatron, MS MARCO) and WordNet plug in here as they land.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/data/dataset.hpp"

namespace multipos::data {

// `source` names the config file in errors; throws util::ConfigError naming the field at fault.
Dataset load_dataset(const nlohmann::json& spec, const std::string& source);

}  // namespace multipos::data
