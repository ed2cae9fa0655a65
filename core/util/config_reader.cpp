#include "core/util/config_reader.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace multipos::util {

nlohmann::json ConfigReader::load_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file + ": cannot open the config file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    // Translate the byte offset into line:column so the user can find the fault.
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < error.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw ConfigError(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                      ": invalid JSON: " + error.what());
  } catch (const nlohmann::json::exception& error) {
    // A number beyond double's range (out_of_range 406) carries no offset; its text names it.
    throw ConfigError(file + ": invalid JSON: " + error.what());
  }
}

std::string ConfigReader::where(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void ConfigReader::fail(const std::string& key, const std::string& problem) const {
  throw ConfigError(source_ + ": field '" + where(key) + "': " + problem);
}

ConfigReader ConfigReader::child(const std::string& key) const {
  static const nlohmann::json empty = nlohmann::json::object();
  if (!has(key)) return ConfigReader(empty, source_, where(key));
  const auto& value = node_.at(key);
  if (!value.is_object()) fail(key, "expected an object");
  return ConfigReader(value, source_, where(key));
}

std::string ConfigReader::text(const std::string& key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const auto& value = node_.at(key);
  if (!value.is_string()) fail(key, "expected a string, got " + value.dump());
  return value.get<std::string>();
}

std::string ConfigReader::choice(const std::string& key, const std::string& fallback,
                                 std::initializer_list<const char*> allowed) const {
  return choice(key, fallback, std::vector<std::string>(allowed.begin(), allowed.end()));
}

std::string ConfigReader::choice(const std::string& key, const std::string& fallback,
                                 const std::vector<std::string>& allowed) const {
  std::string value = text(key, fallback);
  std::string list;
  for (const auto& option : allowed) {
    if (value == option) return value;
    list += (list.empty() ? "" : ", ") + option;
  }
  fail(key, "unknown value '" + value + "'; valid values: " + list);
}

double ConfigReader::number(const std::string& key, double fallback, double min, double max) const {
  if (!has(key)) return fallback;
  const auto& value = node_.at(key);
  if (!value.is_number()) fail(key, "expected a number, got " + value.dump());
  double result = value.get<double>();
  if (!std::isfinite(result) || result < min || result > max) {
    std::ostringstream range;
    range << "value " << result << " is outside [" << min << ", " << max << "]";
    fail(key, range.str());
  }
  return result;
}

int64_t ConfigReader::integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) const {
  if (!has(key)) return fallback;
  const auto& value = node_.at(key);
  if (!value.is_number_integer()) fail(key, "expected an integer, got " + value.dump());
  // An unsigned value above INT64_MAX would wrap to a negative number (and a misleading message).
  if (value.is_number_unsigned() && (max < 0 || value.get<uint64_t>() > static_cast<uint64_t>(max)))
    fail(key, "value " + value.dump() + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  int64_t result = value.get<int64_t>();
  if (result < min || result > max)
    fail(key, "value " + std::to_string(result) + " is outside [" + std::to_string(min) + ", " +
                  std::to_string(max) + "]");
  return result;
}

bool ConfigReader::flag(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& value = node_.at(key);
  if (!value.is_boolean()) fail(key, "expected true or false, got " + value.dump());
  return value.get<bool>();
}

void ConfigReader::reject_unknown(std::initializer_list<const char*> known) const {
  reject_unknown(std::vector<std::string>(known.begin(), known.end()));
}

void ConfigReader::reject_unknown(const std::vector<std::string>& known) const {
  if (!node_.is_object()) return;
  for (const auto& item : node_.items()) {
    bool found = false;
    std::string list;
    for (const auto& name : known) {
      found = found || item.key() == name;
      list += (list.empty() ? "" : ", ") + name;
    }
    if (!found) fail(item.key(), "unknown field; known fields here: " + list);
  }
}

}  // namespace multipos::util
