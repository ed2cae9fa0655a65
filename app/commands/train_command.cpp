#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/run_creation.hpp"
#include "core/store/run_store.hpp"
#include "core/train/trainer.hpp"

namespace multipos::app {

namespace {

volatile std::sig_atomic_t g_stop_requested = 0;
extern "C" void request_stop(int) { g_stop_requested = 1; }

const char* kUsage =
    "usage: multipos train [--config FILE.json] [--db FILE] [--objective NAME|a,b,...|all]\n"
    "                      [--steps N] [--seed N] [--lr X] [--batch-queries N] [--device auto|cpu|cuda]\n"
    "                      [--name TEXT] [--set key.path=JSON ...] [--quiet]\n"
    "       multipos train --db FILE --run ID      (train a run already created in the store)\n";

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
  std::set<std::string> valued = run_config_options();
  valued.insert({"db", "run"});
  CliArgs cli(args, valued, {"quiet", "help"});
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

  std::vector<int64_t> run_ids = create_runs_from_cli(cli, store);
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
