#include "core/study/study_spec.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <type_traits>

#include "core/objectives/positive_sampling.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::study {

namespace {

template <typename T>
std::vector<T> list_field(const nlohmann::json& json, const std::string& key, const std::string& source) {
  if (!json.contains(key)) throw util::ConfigError(source + ": field '" + key + "': missing");
  const auto& node = json.at(key);
  if (!node.is_array() || node.empty())
    throw util::ConfigError(source + ": field '" + key + "': expected a non-empty list");
  std::vector<T> values;
  for (size_t i = 0; i < node.size(); ++i) {
    // Checked before converting: nlohmann converts a float to an integer (undefined beyond the
    // integer's range), a negative number to an unsigned one and a boolean to a number.
    bool right_type = false;
    if constexpr (std::is_same_v<T, std::string>) right_type = node[i].is_string();
    else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) right_type = node[i].is_number_unsigned();
    else right_type = node[i].is_number();
    if (!right_type)
      throw util::ConfigError(source + ": field '" + key + "[" + std::to_string(i) + "]': wrong type (" +
                              node[i].dump() + ")");
    values.push_back(node[i].get<T>());
  }
  return values;
}

void collect_differences(const nlohmann::json& a, const nlohmann::json& b, const std::string& path,
                         std::vector<std::string>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (const auto& key : keys) {
      const std::string child = path.empty() ? key : path + "." + key;
      if (!a.contains(key) || !b.contains(key))
        out.push_back(child);
      else
        collect_differences(a.at(key), b.at(key), child, out);
    }
    return;
  }
  if (a != b) out.push_back(path);
}

// Keeps the base config's own fields of an object option ("regime", "noise") and sets ours.
nlohmann::json merged_object(const nlohmann::json& base, const char* key, const nlohmann::json& fields) {
  nlohmann::json result = base.contains(key) && base.at(key).is_object() ? base.at(key) : nlohmann::json::object();
  result.update(fields);
  return result;
}

// A run id the state file recorded: a non-negative integer (a float, a string or a number beyond
// int64 is a damaged file, refused with the field named instead of converted).
int64_t stored_run_id(const nlohmann::json& value, const std::string& file, const std::string& field) {
  const bool fits = value.is_number_integer() &&
                    (value.is_number_unsigned() ? value.get<uint64_t>() <= uint64_t{INT64_MAX} : value.get<int64_t>() >= 0);
  if (!fits)
    throw util::ConfigError(file + ": field '" + field + "': expected a run id (a non-negative integer), got " + value.dump());
  return value.get<int64_t>();
}

}  // namespace

nlohmann::json to_json(const StudySpec& spec) {
  nlohmann::json json = {{"name", spec.name},           {"base_config", spec.base_config}, {"objectives", spec.objectives},
                         {"regimes", spec.regimes},     {"noise_rates", spec.noise_rates}, {"seeds", spec.seeds},
                         {"split", spec.split}};
  // Only when varied, so the state files of studies from before the axis compare equal.
  if (!spec.positive_samplings.empty()) json["positive_sampling"] = spec.positive_samplings;
  return json;
}

std::vector<std::string> study_sections(const StudySpec& spec) {
  std::vector<std::string> sections;
  for (const auto& regime : spec.regimes) {
    if (spec.positive_samplings.empty()) sections.push_back(regime);
    for (const auto& scheme : spec.positive_samplings) sections.push_back(regime + "@" + scheme);
  }
  return sections;
}

std::pair<std::string, std::string> split_section(const std::string& section) {
  const auto at = section.find('@');
  if (at == std::string::npos) return {section, ""};
  return {section.substr(0, at), section.substr(at + 1)};
}

std::string describe_section(const std::string& section) {
  const auto [regime, scheme] = split_section(section);
  return scheme.empty() ? regime : regime + ", positive_sampling " + scheme;
}

StudySpec study_spec_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw util::ConfigError(source + ": a study must be a JSON object");
  util::ConfigReader reader(json, source);
  reader.reject_unknown({"name", "base_config", "objectives", "regimes", "noise_rates", "seeds", "split", "positive_sampling"});
  StudySpec spec;
  spec.name = reader.text("name", "");
  if (spec.name.empty() || spec.name.find('/') != std::string::npos)
    reader.fail("name", "must be a non-empty name without '/'");
  if (!json.contains("base_config") || !json.at("base_config").is_object())
    reader.fail("base_config", "expected the run config object");
  spec.base_config = json.at("base_config");
  spec.objectives = list_field<std::string>(json, "objectives", source);
  spec.regimes = list_field<std::string>(json, "regimes", source);
  spec.noise_rates = list_field<double>(json, "noise_rates", source);
  spec.seeds = list_field<uint64_t>(json, "seeds", source);
  spec.split = reader.choice("split", "test", {"dev", "test"});
  if (json.contains("positive_sampling")) spec.positive_samplings = list_field<std::string>(json, "positive_sampling", source);
  for (size_t i = 0; i < spec.positive_samplings.size(); ++i) {
    const auto& scheme = spec.positive_samplings[i];
    if (!objectives::is_positive_sampling_scheme(scheme))
      reader.fail("positive_sampling[" + std::to_string(i) + "]",
                  "unknown scheme '" + scheme + "'; valid values: " + objectives::positive_sampling_scheme_list());
  }
  for (size_t i = 0; i < spec.regimes.size(); ++i)
    if (spec.regimes[i].find('@') != std::string::npos) reader.fail("regimes[" + std::to_string(i) + "]", "must not contain '@'");
  for (size_t i = 0; i < spec.noise_rates.size(); ++i)
    if (spec.noise_rates[i] < 0 || spec.noise_rates[i] >= 1)
      reader.fail("noise_rates[" + std::to_string(i) + "]", "must be in [0, 1), got " + format_rate(spec.noise_rates[i]));
  return spec;
}

std::vector<std::string> differing_fields(const StudySpec& a, const StudySpec& b) {
  std::vector<std::string> out;
  collect_differences(to_json(a), to_json(b), "", out);
  return out;
}

std::string format_rate(double rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", rate);
  return text;
}

std::string StudyCell::key() const {
  return regime + "/noise=" + format_rate(noise_rate) + "/seed=" + std::to_string(seed) + "/" + objective;
}

std::vector<PlannedRun> plan_study(const StudySpec& spec) {
  std::vector<PlannedRun> planned;
  for (const auto& section : study_sections(spec))
    for (double rate : spec.noise_rates)
      for (uint64_t seed : spec.seeds)
        for (const auto& objective : spec.objectives) {
          PlannedRun run;
          const auto [regime, scheme] = split_section(section);
          run.cell = {section, rate, seed, objective};
          run.group_id = "study:" + spec.name + ":" + section + ":noise=" + format_rate(rate) + ":seed=" + std::to_string(seed);
          nlohmann::json config = spec.base_config;
          nlohmann::json& dataset = config["dataset"];
          if (!dataset.is_object()) dataset = {{"kind", "synthetic"}};
          dataset["regime"] = merged_object(dataset, "regime", {{"name", regime}, {"seed", seed}});
          dataset["noise"] = merged_object(dataset, "noise", {{"false_positive_rate", rate}, {"seed", seed}});
          nlohmann::json objective_config = config.contains("objective") && config["objective"].is_object()
                                                ? config["objective"]
                                                : nlohmann::json::object();
          objective_config["name"] = objective;
          config["objective"] = objective_config;
          config["seed"] = seed;
          if (!scheme.empty()) {
            if (!config["batch"].is_object()) config["batch"] = nlohmann::json::object();
            config["batch"]["positive_sampling"] = scheme;
          }
          config["eval"] = merged_object(config, "eval", {{"split", spec.split}});
          config["name"] = spec.name + "/" + run.cell.key();
          run.config = std::move(config);
          planned.push_back(std::move(run));
        }
  return planned;
}

nlohmann::json baseline_config(const StudySpec& spec, uint64_t seed) {
  nlohmann::json config = spec.base_config;
  config["seed"] = seed;
  config["eval"] = merged_object(config, "eval", {{"split", spec.split}});
  nlohmann::json objective = config.contains("objective") && config["objective"].is_object() ? config["objective"]
                                                                                            : nlohmann::json::object();
  if (!objective.contains("name")) objective["name"] = spec.objectives.front();
  config["objective"] = objective;
  return config;
}

std::string study_directory(const std::string& database, const std::string& name) {
  return database + ".studies/" + name;
}

std::string study_state_path(const std::string& directory) { return directory + "/study.json"; }

StudyState load_study_state(const std::string& directory) {
  const std::string file = study_state_path(directory);
  nlohmann::json json = util::ConfigReader::load_file(file);
  if (!json.is_object() || !json.contains("spec")) throw util::ConfigError(file + ": field 'spec': missing");
  StudyState state;
  state.spec = study_spec_from_json(json.at("spec"), file + " (spec)");
  for (const char* key : {"runs", "untrained_runs"})
    if (json.contains(key) && !json.at(key).is_object())
      throw util::ConfigError(file + ": field '" + key + "': expected an object, got " + json.at(key).dump());
  if (json.contains("runs"))
    for (const auto& [key, id] : json.at("runs").items()) state.runs[key] = stored_run_id(id, file, "runs." + key);
  if (json.contains("bm25_run")) state.bm25_run = stored_run_id(json.at("bm25_run"), file, "bm25_run");
  if (json.contains("untrained_runs"))
    for (const auto& [seed, id] : json.at("untrained_runs").items()) {
      uint64_t value = 0;
      const auto [end, error] = std::from_chars(seed.data(), seed.data() + seed.size(), value);
      if (seed.empty() || error != std::errc() || end != seed.data() + seed.size())
        throw util::ConfigError(file + ": field 'untrained_runs." + seed + "': the key must be a seed (a non-negative integer)");
      state.untrained_runs[value] = stored_run_id(id, file, "untrained_runs." + seed);
    }
  return state;
}

void save_study_state(const StudyState& state, const std::string& directory) {
  std::filesystem::create_directories(directory);
  nlohmann::json untrained = nlohmann::json::object();
  for (const auto& [seed, id] : state.untrained_runs) untrained[std::to_string(seed)] = id;
  nlohmann::json json = {{"version", 1},
                         {"spec", to_json(state.spec)},
                         {"runs", state.runs},
                         {"bm25_run", state.bm25_run},
                         {"untrained_runs", untrained}};
  const std::string file = study_state_path(directory), temporary = file + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, file);
}

std::vector<std::string> list_studies(const std::string& database) {
  std::vector<std::string> names;
  std::error_code error;
  const std::filesystem::path root = database + ".studies";
  if (!std::filesystem::is_directory(root, error)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(root, error))
    if (std::filesystem::exists(entry.path() / "study.json", error)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace multipos::study
