// A small command-line parser for the subcommands: "--name value" options, "--flag" switches and
// positional words, with errors that name the option at fault.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace multipos::app {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CliArgs {
 public:
  // `valued` lists options that take a value, `switches` those that don't; anything else is an error.
  // --objective and --objectives are one option: either spelling is stored under the one `valued`
  // declares.
  CliArgs(const std::vector<std::string>& args, const std::set<std::string>& valued,
          const std::set<std::string>& switches);

  std::optional<std::string> get(const std::string& name) const;  // the last value given
  std::vector<std::string> get_all(const std::string& name) const;  // every value, in order
  std::string get_or(const std::string& name, const std::string& fallback) const;
  int64_t integer(const std::string& name, int64_t fallback) const;
  double number(const std::string& name, double fallback) const;
  bool has(const std::string& name) const { return switches_.count(name) > 0 || values_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

// "a,b,,c" -> {"a", "b", "c"}: the comma lists of --objective and --measures.
std::vector<std::string> split_list(const std::string& text);

// Default run store: $XDG_DATA_HOME/multipos/runs.sqlite or ~/.local/share/multipos/runs.sqlite
// (the directory is created).
std::string default_database_path();

}  // namespace multipos::app
