// `multipos data stats`: loads a dataset the way training would (same factory, same regime and
// noise options) and prints its summary figures, so a user can check a dataset before a run.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "core/data/dataset_factory.hpp"
#include "core/data/dataset_stats.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos data stats PATH|wordnet|synthetic [--json] [--lenient] [--spec JSON]\n"
    "       multipos data stats --config FILE.json [--json]\n"
    "  PATH is a BEIR directory (corpus.jsonl, queries.jsonl, qrels/) or a Tevatron training .jsonl file.\n"
    "  --spec JSON     extra dataset fields, e.g. '{\"max_queries\": 500, \"regime\": {\"name\": \"mixed\"}}'\n"
    "  --config FILE   use the \"dataset\" object of a run config\n"
    "  --lenient       skip malformed lines of BEIR / Tevatron files and report how many\n";

}  // namespace

int data_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"spec", "config"}, {"json", "lenient", "help"});
  const auto& words = cli.positional();
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
