// `multipos study`: plans the robustness grid of a study (objectives x label regimes x noise rates
// x seeds on one dataset), queues one run per cell plus the BM25 and untrained baselines, trains
// them through the scheduler, and writes the report when they finish. Started again with the same
// grid it continues: finished runs are reused, stopped or failed ones resume from their checkpoint.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/run_creation.hpp"
#include "app/commands/scheduling.hpp"
#include "core/data/dataset_factory.hpp"
#include "core/objectives/config.hpp"
#include "core/runs/process.hpp"
#include "core/runs/run_service.hpp"
#include "core/store/run_store.hpp"
#include "core/study/study_report.hpp"
#include "core/study/study_runner.hpp"
#include "core/study/study_spec.hpp"
#include "core/study/study_summary.hpp"
#include "core/util/assets.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos study --db FILE [--preset quick|wordnet|FILE.json] [--dataset synthetic|wordnet|PATH]\n"
    "                      [--objectives all|a,b,...] [--regimes llm_dense,mixed] [--noise 0,0.1,0.2,0.4]\n"
    "                      [--seeds N] [--steps N] [--set key.path=JSON ...] [--name NAME]\n"
    "                      [--positive-sampling first,rotate,...] [--max-concurrent N] [--detach] [--report-only]\n"
    "  Plans one run per (regime, noise rate, seed, objective) from the preset's base config, plus a BM25\n"
    "  run and an untrained-encoder run per seed, trains them and writes FILE.studies/NAME/report.md with\n"
    "  figures. Run it again to continue an interrupted study (finished runs are reused).\n"
    "  --detach        run the whole study in the background (log in FILE.studies/NAME/study.log)\n"
    "  --report-only   write the report from what has finished so far, start nothing\n"
    "  --positive-sampling  repeat the grid for each batch.positive_sampling scheme (first, rotate, random,\n"
    "                  graded_random); the report has one set of tables per scheme\n"
    "  --plan          validate the grid and the dataset, print the planned runs, start nothing\n";

std::vector<double> rate_list(const std::string& text) {
  std::vector<double> rates;
  for (const auto& item : split_list(text)) {
    char* end = nullptr;
    double value = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || *end != '\0') throw UsageError("--noise: '" + item + "' is not a number");
    rates.push_back(value);
  }
  return rates;
}

// A preset name from assets/studies/, or a file.
std::pair<nlohmann::json, std::string> load_preset(const std::string& preset) {
  std::string file = preset;
  if (!std::filesystem::exists(file)) {
    const std::string assets = util::find_assets_dir("", runs::current_executable());
    file = assets.empty() ? "" : assets + "/studies/" + preset + ".json";
    if (file.empty() || !std::filesystem::exists(file))
      throw UsageError("--preset: no study preset '" + preset + "' (looked for assets/studies/" + preset +
                       ".json) and no such file");
  }
  return {util::ConfigReader::load_file(file), file};
}

template <typename T>
std::vector<T> preset_list(const nlohmann::json& preset, const char* key, const std::string& source) {
  try {
    return preset.at(key).get<std::vector<T>>();
  } catch (const nlohmann::json::exception&) {
    throw util::ConfigError(source + ": field '" + key + "': expected a list");
  }
}

std::vector<std::string> objective_names(const std::string& text) {
  return text == "all" ? objectives::objective_names() : split_list(text);
}

// Preset first, then the command line's choices over it.
study::StudySpec resolve_spec(const CliArgs& cli, int& max_concurrent) {
  auto [preset, source] = load_preset(cli.get_or("preset", "quick"));
  util::ConfigReader reader(preset, source);
  reader.reject_unknown({"about", "objectives", "regimes", "noise_rates", "seeds", "max_concurrent", "base_config"});
  if (!preset.contains("base_config") || !preset["base_config"].is_object()) reader.fail("base_config", "expected the run config object");
  study::StudySpec spec;
  spec.base_config = preset["base_config"];
  if (auto list = cli.get("objectives"))
    spec.objectives = objective_names(*list);
  else if (preset.contains("objectives") && preset["objectives"].is_array())
    spec.objectives = preset_list<std::string>(preset, "objectives", source);
  else
    spec.objectives = objective_names(reader.text("objectives", "all"));
  spec.regimes = cli.get("regimes") ? split_list(*cli.get("regimes")) : preset_list<std::string>(preset, "regimes", source);
  spec.noise_rates = cli.get("noise") ? rate_list(*cli.get("noise")) : preset_list<double>(preset, "noise_rates", source);
  const int64_t seeds = cli.integer("seeds", reader.integer("seeds", 3, 1, 1000));
  if (seeds < 1) throw UsageError("--seeds must be at least 1");
  for (int64_t seed = 1; seed <= seeds; ++seed) spec.seeds.push_back(static_cast<uint64_t>(seed));
  // Default: one run per GPU where the host has GPUs (runs::host_gpus), else one.
  const int gpus = static_cast<int>(runs::host_gpus().size());
  max_concurrent =
      static_cast<int>(cli.integer("max-concurrent", reader.integer("max_concurrent", std::max(1, gpus), 1, 64)));
  if (max_concurrent < 1) throw UsageError("--max-concurrent must be at least 1");

  if (auto dataset = cli.get("dataset")) {
    nlohmann::json spec_json = data::dataset_spec_for(*dataset);
    if (spec_json.value("kind", "") == "synthetic" && spec.base_config["dataset"].value("kind", "") == "synthetic")
      spec_json = spec.base_config["dataset"];
    spec.base_config["dataset"] = spec_json;
  }
  if (cli.get("steps")) spec.base_config["steps"] = cli.integer("steps", 0);
  if (cli.get("positive-sampling")) spec.positive_samplings = split_list(*cli.get("positive-sampling"));
  for (const auto& assignment : cli.get_all("set")) apply_config_override(spec.base_config, assignment);
  std::string dataset_kind = spec.base_config["dataset"].value("kind", "synthetic");
  std::string preset_name = std::filesystem::path(source).stem().string();
  spec.name = cli.get_or("name", preset_name + (cli.get("dataset") ? "-" + std::filesystem::path(*cli.get("dataset")).filename().string() : ""));
  return study::study_spec_from_json(study::to_json(spec), "study " + spec.name);
}

int write_report(const std::string& database, const std::string& directory) {
  study::StudyState state = study::load_study_state(directory);
  store::RunStore store(database, store::RunStore::Mode::read_only);
  study::StudyResults results = study::collect_results(state, store);
  const std::string report = study::write_study_report(results, directory, database);
  say("report: " + report);
  for (const auto& sentence : study::summarize(results).sentences) say("  - " + sentence);
  return results.failed > 0 ? 1 : 0;
}

}  // namespace

int study_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "preset", "dataset", "objectives", "regimes", "noise", "seeds", "steps", "set", "name", "max-concurrent",
                          "positive-sampling"},
              {"detach", "report-only", "plan", "help"});
  if (cli.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string database = std::filesystem::absolute(cli.get_or("db", default_database_path())).lexically_normal().string();
  int max_concurrent = 1;
  study::StudySpec spec = resolve_spec(cli, max_concurrent);
  const std::string directory = study::study_directory(database, spec.name);
  if (cli.has("report-only")) return write_report(database, directory);
  study::StudyState state;
  try {
    state = study::open_study_state(spec, directory);
  } catch (const study::StudyError& error) {
    throw UsageError(error.what());
  }
  study::validate_study(spec);
  if (cli.has("plan")) {
    for (const auto& planned : study::plan_study(spec)) say(planned.cell.key());
    say(std::to_string(study::plan_study(spec).size()) + " runs, plus BM25 and " + std::to_string(spec.seeds.size()) +
        " untrained baseline(s); nothing was created");
    return 0;
  }
  if (cli.has("detach")) {
    std::vector<std::string> argv = {runs::current_executable(), "study"};
    for (const auto& arg : args)
      if (arg != "--detach") argv.push_back(arg);
    pid_t pid = runs::spawn_detached(argv, directory + "/study.log");
    say("study '" + spec.name + "' runs in the background (pid " + std::to_string(pid) + ", log " + directory +
        "/study.log); its report will be " + directory + "/report.md");
    return 0;
  }
  runs::RunService service({database, "", {max_concurrent, runs::kDefaultHeartbeatTimeoutSeconds, std::nullopt},
                            nullptr, nullptr});
  const size_t planned = study::plan_study(spec).size();
  const int queued = study::queue_study_runs(spec, state, service, directory, say);
  say("study '" + spec.name + "': " + std::to_string(planned) + " runs planned, " + std::to_string(queued) +
      " queued now, " + std::to_string(planned - static_cast<size_t>(queued)) + " reused");
  study::record_study_baselines(spec, state, service.store(), directory, say);
  study::save_study_state(state, directory);
  service.take_events();
  if (!study::schedule_study(service, state, say)) {
    say("study interrupted: running workers carry on; run the same command again to continue");
    return 130;
  }
  return write_report(database, directory);
}

}  // namespace multipos::app
