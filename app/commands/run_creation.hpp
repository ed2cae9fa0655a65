// Creating runs from the command line, shared by `train` (trains them in-process) and `launch`
// (queues them for background workers): a preset JSON plus option overrides, one run per
// objective, every config validated before any run is created.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "app/commands/cli_args.hpp"
#include "core/store/run_store.hpp"

namespace multipos::app {

// The valued options create_runs_from_cli reads: config, objective, steps, seed, lr,
// batch-queries, device, name, set (repeatable key.path=JSON), group, baseline (a comma list of
// bm25 and untrained, or none; bm25 by default when several objectives are launched together).
const std::set<std::string>& run_config_options();

// Resolves the config (file, then options, then --set overrides), expands --objective
// (one name, a,b,... or all) and creates one queued run per objective in `store`, sharing a
// group id when there are several, then records the baselines --baseline asks for (finished runs
// of their own, ids appended to `baseline_ids`). `--objective none` creates baselines only.
// Throws UsageError / util::ConfigError naming the file and field before creating anything.
std::vector<int64_t> create_runs_from_cli(const CliArgs& cli, store::RunStore& store,
                                          std::vector<int64_t>* baseline_ids = nullptr);

// Sets a dotted path ("optimizer.lr") of a config to a value parsed as JSON (or kept as text):
// the --set key.path=value option. Throws UsageError for a malformed assignment.
void apply_config_override(nlohmann::json& config, const std::string& assignment);

}  // namespace multipos::app
