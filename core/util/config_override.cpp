#include "core/util/config_override.hpp"

#include "core/util/config_reader.hpp"

namespace multipos::util {

void apply_config_override(nlohmann::json& config, const std::string& assignment) {
  // Command-line bytes are not checked by any JSON parser: text that is not UTF-8 would be kept
  // as a string that the run store can never write (nlohmann refuses to dump it).
  try {
    (void)nlohmann::json(assignment).dump();
  } catch (const nlohmann::json::type_error&) {
    throw ConfigError("--set " +
                      nlohmann::json(assignment).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                      ": not valid UTF-8");
  }
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw ConfigError("--set expects key.path=value, got '" + assignment + "'");
  const std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;
  nlohmann::json* node = &config;
  for (std::size_t start = 0;;) {
    const std::size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) throw ConfigError("--set '" + assignment + "': empty field name in '" + path + "'");
    if (!node->is_object()) *node = nlohmann::json::object();
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  *node = std::move(value);
}

}  // namespace multipos::util
