// Dotted paths of the fields where two JSON configs differ ("optimizer.lr", "seed"): what an
// error names when ranks were started with different configs.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace multipos::dist {

std::vector<std::string> differing_fields(const nlohmann::json& a, const nlohmann::json& b,
                                          const std::string& prefix = "");

}  // namespace multipos::dist
