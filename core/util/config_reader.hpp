// Reads typed fields out of a JSON config while remembering where they came from, so every error
// names the file and the field path (e.g. "run.json: field 'optimizer.lr': expected a number").
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace multipos::util {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& node, std::string source, std::string path = "")
      : node_(node), source_(std::move(source)), path_(std::move(path)) {}

  // Loads a JSON file; parse errors name the file, line and column.
  static nlohmann::json load_file(const std::string& file);

  bool has(const std::string& key) const { return node_.is_object() && node_.contains(key); }
  ConfigReader child(const std::string& key) const;  // an absent child reads as an empty object

  std::string text(const std::string& key, const std::string& fallback) const;
  std::string choice(const std::string& key, const std::string& fallback,
                     std::initializer_list<const char*> allowed) const;
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed) const;
  double number(const std::string& key, double fallback, double min, double max) const;
  int64_t integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
  bool flag(const std::string& key, bool fallback) const;

  // Fails when the object holds a key not in `known`: a misspelt field must not be silently ignored.
  void reject_unknown(std::initializer_list<const char*> known) const;
  void reject_unknown(const std::vector<std::string>& known) const;

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  std::string where(const std::string& key) const;

 private:
  const nlohmann::json& node_;
  std::string source_;
  std::string path_;
};

}  // namespace multipos::util
