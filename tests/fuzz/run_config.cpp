// libFuzzer target: a run config JSON as `multipos train --config FILE --set key.path=JSON ...`
// reads it: the file (util::ConfigReader::load_file), then each line after "=== --set" applied as
// one --set assignment, then train::train_config_from_json. A config that validates must survive
// the round trip through the store (to_json, then parsed again to the same config).
#include "core/train/train_config.hpp"
#include "core/util/config_override.hpp"
#include "core/util/config_reader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("run_config");
  const auto& dir = scratch.fresh();
  const auto sections = fuzz::split_sections(fuzz::as_text(data, size), {"config.json", "--set"});
  fuzz::write_sections(dir, {{"config.json", sections.count("config.json") ? sections.at("config.json") : ""}});
  const std::string path = (dir / "config.json").string();
  nlohmann::json config;
  if (!fuzz::expect_only<util::ConfigError>("run_config", path, [&] {
        config = util::ConfigReader::load_file(path);
        if (!config.is_object()) throw util::ConfigError(path + ": the config must be a JSON object");
      }))
    return 0;
  if (sections.count("--set")) {
    const std::string& lines = sections.at("--set");
    for (std::size_t start = 0; start < lines.size();) {
      std::size_t end = lines.find('\n', start);
      if (end == std::string::npos) end = lines.size();
      const std::string assignment = lines.substr(start, end - start);
      start = end + 1;
      if (!fuzz::expect_only<util::ConfigError>("run_config", "--set",
                                                [&] { util::apply_config_override(config, assignment); }))
        return 0;
    }
  }
  train::TrainConfig parsed;
  if (!fuzz::expect_only<util::ConfigError>("run_config", path,
                                            [&] { parsed = train::train_config_from_json(config, path); }))
    return 0;
  const nlohmann::json stored = train::to_json(parsed);
  // The store keeps the resolved config as JSON text.
  fuzz::expect_only<>("run_config", "", [&] { (void)stored.dump(); });
  fuzz::expect_only<>("run_config", "", [&] {
    if (train::to_json(train::train_config_from_json(stored, "the stored config")) != stored)
      fuzz::violation("run_config", "the stored config reads back differently: " + stored.dump());
  });
  return 0;
}
