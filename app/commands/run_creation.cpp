#include "app/commands/run_creation.hpp"

#include <cstdio>
#include <random>

#include "core/objectives/registry.hpp"
#include "core/runs/run_service.hpp"
#include "core/train/baseline.hpp"
#include "core/train/train_config.hpp"
#include "core/util/config_override.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::app {

namespace {

std::vector<std::string> objective_list(const std::string& text) {
  return text == "all" ? objectives::objective_names() : split_list(text);
}

}  // namespace

void apply_config_override(nlohmann::json& config, const std::string& assignment) {
  try {
    util::apply_config_override(config, assignment);
  } catch (const util::ConfigError& error) {
    throw UsageError(error.what());
  }
}

const std::set<std::string>& run_config_options() {
  static const std::set<std::string> options = {"config",        "objective", "steps", "seed", "lr",
                                                "batch-queries", "device",    "name",  "set",  "group", "baseline"};
  return options;
}

std::vector<int64_t> create_runs_from_cli(const CliArgs& cli, store::RunStore& store,
                                          std::vector<int64_t>* baseline_ids) {
  std::string source = cli.get_or("config", "(defaults)");
  nlohmann::json config = cli.get("config") ? util::ConfigReader::load_file(source) : nlohmann::json::object();
  if (!config.is_object()) throw util::ConfigError(source + ": the config must be a JSON object");
  if (cli.get("steps")) config["steps"] = cli.integer("steps", 0);
  if (cli.get("seed")) config["seed"] = cli.integer("seed", 0);
  if (cli.get("lr")) config["optimizer"]["lr"] = cli.number("lr", 0);
  if (cli.get("batch-queries")) config["batch"]["queries"] = cli.integer("batch-queries", 0);
  if (auto device = cli.get("device")) config["device"] = *device;
  if (auto name = cli.get("name")) config["name"] = *name;
  for (const auto& assignment : cli.get_all("set")) apply_config_override(config, assignment);

  std::vector<std::string> names;
  const bool baselines_only = cli.get_or("objective", "") == "none";
  if (baselines_only) {
    names = {""};  // resolved below for the baselines' config only; no run is trained
  } else if (auto list = cli.get("objective")) {
    names = objective_list(*list);
  } else if (config.contains("objective")) {
    names = {""};  // keep the config's own objective object
  } else {
    names = {objectives::default_objective()};
  }
  if (names.empty()) throw UsageError("--objective names no objective");

  // Validate every run's config before creating any, so a typo creates nothing.
  std::vector<train::TrainConfig> resolved;
  for (const auto& name : names) {
    nlohmann::json one = config;
    if (!name.empty()) {
      nlohmann::json objective =
          one.contains("objective") && one["objective"].is_object() ? one["objective"] : nlohmann::json::object();
      objective["name"] = name;
      one["objective"] = objective;
      if (names.size() > 1 || !config.contains("name")) {
        std::string base = config.value("name", std::string());
        one["name"] = base.empty() ? name : base + "/" + name;
      }
    }
    resolved.push_back(train::train_config_from_json(one, source));
  }
  std::string group = cli.get_or("group", "");
  if (group.empty() && resolved.size() > 1) group = "group-" + std::to_string(std::random_device{}() % 1000000);

  // A group compared side by side gets its lexical baseline beside it (finished at once).
  std::set<std::string> baselines;
  for (const auto& kind : split_list(cli.get_or("baseline", resolved.size() > 1 ? "bm25" : "none"))) {
    if (kind != "bm25" && kind != "untrained" && kind != "none")
      throw UsageError("--baseline takes bm25, untrained, bm25,untrained or none, got '" + kind + "'");
    if (kind != "none") baselines.insert(kind);
  }
  if (baselines_only && baselines.empty())
    throw UsageError("--objective none trains nothing: give --baseline bm25, untrained or bm25,untrained");

  std::vector<int64_t> run_ids;
  for (const auto& run_config : resolved) {
    if (baselines_only) break;
    run_ids.push_back(store.create_run(runs::new_run_row(run_config, group)));
  }
  // BM25 first: it takes seconds, the untrained encoder may take minutes to encode the corpus.
  if (baselines.count("bm25")) {
    const int64_t id = train::record_bm25_baseline(resolved.front(), store, group);
    if (baseline_ids) baseline_ids->push_back(id);
  }
  if (baselines.count("untrained")) {
    const int64_t id = train::record_untrained_baseline(resolved.front(), store, group, [](const std::string& text) {
      std::printf("%s\n", text.c_str());
      std::fflush(stdout);
    });
    if (baseline_ids) baseline_ids->push_back(id);
  }
  return run_ids;
}

}  // namespace multipos::app
