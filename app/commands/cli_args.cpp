#include "app/commands/cli_args.hpp"

#include <cstdlib>
#include <filesystem>

namespace multipos::app {

CliArgs::CliArgs(const std::vector<std::string>& args, const std::set<std::string>& valued,
                 const std::set<std::string>& switches) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.rfind("--", 0) != 0) {
      positional_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    // --objective and --objectives name the same thing on every command (train, launch, study...):
    // either spelling reaches the one the command declares.
    if (!switches.count(name) && !valued.count(name)) {
      const std::string alias = name == "objective" ? "objectives" : name == "objectives" ? "objective" : "";
      if (!alias.empty() && valued.count(alias)) name = alias;
    }
    if (switches.count(name)) {
      if (inline_value) throw UsageError("option --" + name + " takes no value");
      switches_.insert(name);
    } else if (valued.count(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) throw UsageError("option --" + name + " needs a value");
        value = args[++i];
      }
      values_[name].push_back(value);
    } else {
      std::string known;
      for (const auto& v : valued) known += " --" + v;
      for (const auto& s : switches) known += " --" + s;
      throw UsageError("unknown option --" + name + "; known options:" + known);
    }
  }
}

std::optional<std::string> CliArgs::get(const std::string& name) const {
  auto found = values_.find(name);
  if (found == values_.end()) return std::nullopt;
  return found->second.back();
}

std::vector<std::string> CliArgs::get_all(const std::string& name) const {
  auto found = values_.find(name);
  return found == values_.end() ? std::vector<std::string>{} : found->second;
}

std::string CliArgs::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

int64_t CliArgs::integer(const std::string& name, int64_t fallback) const {
  auto value = get(name);
  if (!value) return fallback;
  try {
    size_t used = 0;
    int64_t result = std::stoll(*value, &used);
    if (used == value->size()) return result;
  } catch (const std::exception&) {
  }
  throw UsageError("option --" + name + ": expected an integer, got '" + *value + "'");
}

double CliArgs::number(const std::string& name, double fallback) const {
  auto value = get(name);
  if (!value) return fallback;
  try {
    size_t used = 0;
    double result = std::stod(*value, &used);
    if (used == value->size()) return result;
  } catch (const std::exception&) {
  }
  throw UsageError("option --" + name + ": expected a number, got '" + *value + "'");
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) parts.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

std::string default_database_path() {
  namespace fs = std::filesystem;
  fs::path base;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = fs::path(home) / ".local" / "share";
  } else {
    base = fs::temp_directory_path();
  }
  fs::path dir = base / "multipos";
  fs::create_directories(dir);
  return (dir / "runs.sqlite").string();
}

}  // namespace multipos::app
