// `multipos data stats`: loads a dataset the way training would (same factory, same regime and
// noise options) and prints its summary figures, so a user can check a dataset before a run.
// `multipos data store-texts`: for runs recorded before the store kept them, loads each run's
// dataset from its stored config and writes what the studio shows (statistics, probe queries'
// texts and judgments, probe and retrieved passages' texts) into the store.
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "core/data/dataset_factory.hpp"
#include "core/data/dataset_stats.hpp"
#include "core/store/run_store.hpp"
#include "core/train/model_negatives.hpp"
#include "core/train/stored_dataset.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos data stats PATH|wordnet|synthetic [--json] [--lenient] [--spec JSON]\n"
    "       multipos data stats --config FILE.json [--json]\n"
    "       multipos data store-texts [--db FILE] [--run ID]\n"
    "  PATH is a BEIR directory (corpus.jsonl, queries.jsonl, qrels/) or a Tevatron training .jsonl file.\n"
    "  --spec JSON     extra dataset fields, e.g. '{\"max_queries\": 500, \"regime\": {\"name\": \"mixed\"}}'\n"
    "  --config FILE   use the \"dataset\" object of a run config\n"
    "  --lenient       skip malformed lines of BEIR / Tevatron files and report how many\n"
    "  store-texts     store what the studio shows of a run's dataset (statistics, probe and retrieved texts)\n"
    "                  for runs recorded before the store kept them: every such run, or --run ID (again)\n";

// Loads one run's dataset from its stored config and stores the record; returns a line saying what.
std::string store_run_texts(store::RunStore& store, const store::RunRecord& run) {
  const nlohmann::json config = nlohmann::json::parse(run.config_json, nullptr, false);
  if (!config.is_object() || !config.contains("dataset") || !config["dataset"].is_object())
    return "skipped: its stored config names no dataset";
  const std::string source = store.path() + ": run " + std::to_string(run.id) + " config";
  const data::Dataset dataset = train::load_training_dataset(config["dataset"], source);
  const train::StoredIds ids = train::stored_ids(store, run.id);
  std::size_t unknown = 0;
  const store::RunDatasetRecord record = train::dataset_record_for_ids(dataset, ids.queries, ids.passages, &unknown);
  store.record_dataset(run.id, record);
  std::string line = "stored statistics of " + dataset.name + ", " + std::to_string(record.queries.size()) +
                     " query text(s), " + std::to_string(record.passages.size()) + " passage text(s), " +
                     std::to_string(record.judgments.size()) + " judgment(s)";
  if (unknown > 0)
    line += "; " + std::to_string(unknown) + " stored id(s) are not in the dataset as it loads now (its files changed?)";
  return line;
}

int store_texts_command(const CliArgs& cli) {
  const std::string db = cli.get_or("db", default_database_path());
  store::RunStore store(db);
  std::vector<store::RunRecord> runs;
  if (cli.get("run")) {
    const int64_t id = cli.integer("run", 0);
    auto run = store.find_run(id);
    if (!run) throw UsageError(db + ": no run " + std::to_string(id));
    runs.push_back(*run);
  } else {
    for (auto& run : store.list_runs())
      if (!store.has_dataset_stats(run.id)) runs.push_back(std::move(run));
  }
  if (runs.empty()) std::printf("%s: every run already has its dataset texts stored\n", db.c_str());
  int failures = 0;
  for (const auto& run : runs) {
    try {
      std::printf("run %lld %s: %s\n", static_cast<long long>(run.id), run.name.c_str(), store_run_texts(store, run).c_str());
    } catch (const std::exception& error) {
      ++failures;
      std::fprintf(stderr, "run %lld %s: not stored: %s\n", static_cast<long long>(run.id), run.name.c_str(), error.what());
    }
    std::fflush(stdout);
  }
  return failures > 0 ? 1 : 0;
}

}  // namespace

int data_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"spec", "config", "db", "run"}, {"json", "lenient", "help"});
  const auto& words = cli.positional();
  if (!cli.has("help") && words.size() == 1 && words[0] == "store-texts") {
    if (cli.has("spec") || cli.has("config") || cli.has("json") || cli.has("lenient"))
      throw UsageError("store-texts takes --db and --run only");
    return store_texts_command(cli);
  }
  if (cli.has("db") || cli.has("run")) throw UsageError("--db and --run belong to `data store-texts`");
  const bool from_config = cli.get("config").has_value();
  if (cli.has("help") || words.empty() || words[0] != "stats" || words.size() != (from_config ? 1u : 2u)) {
    std::fputs(kUsage, cli.has("help") ? stdout : stderr);
    return cli.has("help") ? 0 : 2;
  }
  nlohmann::json spec;
  std::string source = "command line";
  if (from_config) {
    source = *cli.get("config");
    nlohmann::json config = util::ConfigReader::load_file(source);
    if (!config.is_object() || !config.contains("dataset")) throw util::ConfigError(source + ": field 'dataset': missing");
    spec = config.at("dataset");
  } else {
    try {
      spec = data::dataset_spec_for(words[1]);
    } catch (const std::invalid_argument& error) {
      throw UsageError(error.what());
    }
  }
  if (auto extra = cli.get("spec")) {
    nlohmann::json fields;
    try {
      fields = nlohmann::json::parse(*extra);
    } catch (const nlohmann::json::exception& error) {
      throw UsageError(std::string("--spec: invalid JSON: ") + error.what());
    }
    if (!fields.is_object()) throw UsageError("--spec: expected a JSON object");
    spec.update(fields);
  }
  if (cli.has("lenient")) {
    const std::string kind = spec.value("kind", "synthetic");
    if (kind != "beir" && kind != "tevatron") throw UsageError("--lenient applies to BEIR and Tevatron files only");
    spec["lenient"] = true;
  }

  const auto started = std::chrono::steady_clock::now();
  data::Dataset dataset = data::load_dataset(spec, source);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  data::DatasetStats stats = data::compute_stats(dataset);
  if (cli.has("json")) {
    nlohmann::json out = data::stats_to_json(stats);
    out["load_seconds"] = seconds;
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s", data::format_stats(stats).c_str());
    std::printf("\nloaded in %.2f s\n", seconds);
  }
  return 0;
}

}  // namespace multipos::app
