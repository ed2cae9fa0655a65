#include "core/dist/config_diff.hpp"

namespace multipos::dist {

std::vector<std::string> differing_fields(const nlohmann::json& a, const nlohmann::json& b, const std::string& prefix) {
  std::vector<std::string> fields;
  if (!a.is_object() || !b.is_object()) {
    if (a != b) fields.push_back(prefix.empty() ? "(the whole value)" : prefix);
    return fields;
  }
  auto visit = [&](const std::string& key) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (!a.contains(key) || !b.contains(key)) {
      fields.push_back(path);
      return;
    }
    for (auto& field : differing_fields(a.at(key), b.at(key), path)) fields.push_back(std::move(field));
  };
  for (const auto& item : a.items()) visit(item.key());
  for (const auto& item : b.items())
    if (!a.contains(item.key())) visit(item.key());
  return fields;
}

}  // namespace multipos::dist
