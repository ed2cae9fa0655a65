#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <random>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "core/store/run_store.hpp"
#include "core/train/trainer.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::app {

namespace {

volatile std::sig_atomic_t g_stop_requested = 0;
extern "C" void request_stop(int) { g_stop_requested = 1; }

const char* kUsage =
    "usage: multipos train [--config FILE.json] [--db FILE] [--objective NAME|a,b,...|all]\n"
    "                      [--steps N] [--seed N] [--lr X] [--batch-queries N] [--device auto|cpu|cuda]\n"
    "                      [--name TEXT] [--set key.path=JSON ...] [--quiet]\n"
    "       multipos train --db FILE --run ID      (train a run already created in the store)\n";

// Sets a dotted path ("optimizer.lr") of the config to a value parsed as JSON (or kept as text).
void apply_override(nlohmann::json& config, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("--set expects key.path=value, got '" + assignment + "'");
  std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;
  nlohmann::json* node = &config;
  for (size_t start = 0;;) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object()) *node = nlohmann::json::object();
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  *node = value;
}

std::vector<std::string> objective_list(const std::string& text) {
  if (text == "all") return objectives::objective_names();
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!name.empty()) names.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return names;
}

std::string format_duration(double seconds) {
  char text[32];
  auto total = static_cast<long>(std::lround(std::max(0.0, seconds)));
  std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

// Trains one stored run, marking it failed with the reason when anything goes wrong.
int train_stored_run(store::RunStore& store, int64_t run_id, bool quiet) {
  auto run = store.find_run(run_id);
  if (!run) throw UsageError("run " + std::to_string(run_id) + " does not exist in " + store.path());
  try {
    train::TrainConfig config =
        train::train_config_from_json(nlohmann::json::parse(run->config_json), "run " + std::to_string(run_id) + " config");
    train::TrainHooks hooks;
    hooks.should_stop = [] { return g_stop_requested != 0; };
    hooks.on_message = [quiet, run_id](const std::string& text) {
      if (!quiet) std::printf("[run %lld] %s\n", static_cast<long long>(run_id), text.c_str());
    };
    hooks.on_progress = [quiet, run_id](const train::StepProgress& p) {
      if (quiet) return;
      std::printf("[run %lld] step %6lld/%lld  loss %.5f  %7.1f ex/s  ETA %s\n", static_cast<long long>(run_id),
                  static_cast<long long>(p.step + 1), static_cast<long long>(p.total_steps), p.loss,
                  p.examples_per_second, format_duration(p.eta_seconds).c_str());
      std::fflush(stdout);
    };
    auto outcome = train::train_run(config, store, run_id, hooks);
    return outcome.stopped_early ? 3 : 0;
  } catch (const std::exception& error) {
    store.mark_finished(run_id, store::RunStatus::failed, error.what());
    store.log_event(run_id, "error", error.what());
    std::fprintf(stderr, "multipos train: run %lld failed: %s\n", static_cast<long long>(run_id), error.what());
    return 1;
  }
}

}  // namespace

int train_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"config", "db", "objective", "steps", "seed", "lr", "batch-queries", "device", "name", "run", "set",
                     "group"},
              {"quiet", "help"});
  if (cli.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::string db = cli.get_or("db", default_database_path());
  bool quiet = cli.has("quiet");
  store::RunStore store(db);
  if (auto run = cli.get("run")) return train_stored_run(store, cli.integer("run", 0), quiet);

  std::string source = cli.get_or("config", "(defaults)");
  nlohmann::json config = cli.get("config") ? util::ConfigReader::load_file(source) : nlohmann::json::object();
  if (!config.is_object()) throw util::ConfigError(source + ": the config must be a JSON object");
  if (cli.get("steps")) config["steps"] = cli.integer("steps", 0);
  if (cli.get("seed")) config["seed"] = cli.integer("seed", 0);
  if (cli.get("lr")) config["optimizer"]["lr"] = cli.number("lr", 0);
  if (cli.get("batch-queries")) config["batch"]["queries"] = cli.integer("batch-queries", 0);
  if (auto device = cli.get("device")) config["device"] = *device;
  if (auto name = cli.get("name")) config["name"] = *name;
  if (auto assignment = cli.get("set")) apply_override(config, *assignment);

  std::vector<std::string> names;
  if (auto list = cli.get("objective")) {
    names = objective_list(*list);
  } else if (config.contains("objective")) {
    names = {""};  // keep the config's own objective object
  } else {
    names = {"infonce"};
  }
  if (names.empty()) throw UsageError("--objective names no objective");

  // Validate every run's config before creating any, so a typo creates nothing.
  std::vector<train::TrainConfig> resolved;
  for (const auto& name : names) {
    nlohmann::json one = config;
    if (!name.empty()) {
      nlohmann::json objective = one.contains("objective") && one["objective"].is_object() ? one["objective"] : nlohmann::json::object();
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

  std::vector<int64_t> run_ids;
  for (const auto& run_config : resolved) {
    store::NewRun run;
    run.name = run_config.name;
    run.objective = run_config.objective.name;
    run.dataset = train::dataset_label(run_config);
    run.config_json = train::to_json(run_config).dump();
    run.seed = static_cast<int64_t>(run_config.seed);
    run.group_id = group;
    run.total_steps = run_config.steps;
    run_ids.push_back(store.create_run(run));
  }
  int status = 0;
  for (int64_t run_id : run_ids) {
    if (g_stop_requested) {
      store.mark_finished(run_id, store::RunStatus::stopped, "stopped before it started");
      continue;
    }
    int result = train_stored_run(store, run_id, quiet);
    if (result != 0 && status == 0) status = result;
  }
  return status;
}

}  // namespace multipos::app
