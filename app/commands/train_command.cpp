#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/run_creation.hpp"
#include "core/dist/distributed_context.hpp"
#include "core/dist/error_text.hpp"
#include "core/dist/local_launcher.hpp"
#include "core/model/encoder.hpp"
#include "core/runs/process.hpp"
#include "core/runs/run_service.hpp"
#include "core/store/run_store.hpp"
#include "core/train/trainer.hpp"

namespace multipos::app {

namespace {


const char* kUsage =
    "usage: multipos train [--config FILE.json] [--db FILE] [--objective NAME|a,b,...|all]\n"
    "                      [--steps N] [--seed N] [--lr X] [--batch-queries N] [--device auto|cpu|cuda]\n"
    "                      [--name TEXT] [--set key.path=JSON ...] [--nproc N] [--quiet]\n"
    "                      [--baseline bm25|untrained|bm25,untrained|none]  (--objective none: baselines only)\n"
    "       multipos train --db FILE --run ID [--nproc N]  (train a run already created in the store)\n"
    "Data-parallel: --nproc N starts N local processes (a run whose config has distributed.world_size N\n"
    "does so by itself); with WORLD_SIZE > 1 in the environment (torchrun, SLURM) this process joins\n"
    "the group given by RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT and LOCAL_RANK.\n";

std::string format_duration(double seconds) {
  char text[32];
  auto total = static_cast<long>(std::lround(std::max(0.0, seconds)));
  std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

train::TrainHooks make_hooks(int64_t run_id, bool quiet, const std::string& who) {
  train::TrainHooks hooks;
  hooks.should_stop = [] { return runs::quit_requested(); };
  hooks.on_message = [quiet, run_id, who](const std::string& text) {
    if (!quiet) std::printf("[run %lld%s] %s\n", static_cast<long long>(run_id), who.c_str(), text.c_str());
  };
  hooks.on_progress = [quiet, run_id, who](const train::StepProgress& p) {
    if (quiet) return;
    std::printf("[run %lld%s] step %6lld/%lld  loss %.5f  %7.1f ex/s  ETA %s\n", static_cast<long long>(run_id),
                who.c_str(), static_cast<long long>(p.step + 1), static_cast<long long>(p.total_steps), p.loss,
                p.examples_per_second, format_duration(p.eta_seconds).c_str());
    std::fflush(stdout);
  };
  return hooks;
}

train::TrainConfig stored_config(const store::RunRecord& run) {
  return train::train_config_from_json(nlohmann::json::parse(run.config_json), "run " + std::to_string(run.id) + " config");
}

std::chrono::milliseconds group_timeout(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// Joins the group the environment describes (torchrun, SLURM, `train --nproc`).
std::unique_ptr<dist::DistributedContext> join_group(double timeout_seconds, const std::string& device) {
  dist::DistributedOptions options = dist::options_from_environment(group_timeout(timeout_seconds));
  return std::make_unique<dist::DistributedContext>(options, model::preferred_device(device));
}

// Fault injection for the distributed tests: MULTIPOS_TEST_RANK_FAULT="RANK:STEP:kill" makes that
// rank SIGKILL itself before that step, "RANK:STEP:hang" SIGSTOP itself, "RANK:STEP:throw" makes
// the step throw a TrainingFault.
void install_test_fault(train::TrainHooks& hooks, int my_rank) {
  const char* spec = std::getenv("MULTIPOS_TEST_RANK_FAULT");
  if (spec == nullptr) return;
  int rank = -1;
  long long step = -1;
  char mode[16] = {0};
  if (std::sscanf(spec, "%d:%lld:%15s", &rank, &step, mode) != 3 || rank != my_rank) return;
  const std::string what = mode;
  hooks.before_step = [step, what, rank](int64_t now) {
    if (now != step) return;
    if (what == "kill") raise(SIGKILL);
    if (what == "hang") raise(SIGSTOP);  // alive but silent: the others must time out
    throw train::TrainingFault("injected fault on rank " + std::to_string(rank) + " at step " + std::to_string(now));
  };
}

// One rank's part of a stored run. Every failing rank logs its reason; rank 0 marks the run
// failed (naming the rank at fault), or another rank does when rank 0 itself is gone.
int train_as_rank(store::RunStore& store, int64_t run_id, bool quiet, dist::DistributedContext* shared_group) {
  std::unique_ptr<dist::DistributedContext> own_group;
  dist::DistributedContext* group = shared_group;
  try {
    train::TrainConfig config = stored_config(*store.find_run(run_id));
    if (!group) {
      own_group = join_group(config.distributed.timeout_seconds, config.device);
      group = own_group.get();
    }
    const std::string who = " rank " + std::to_string(group->rank());
    train::TrainHooks hooks = make_hooks(run_id, quiet || !group->is_main(), who);
    install_test_fault(hooks, group->rank());
    auto outcome = train::train_run(config, store, run_id, hooks, group);
    return outcome.stopped_early ? 3 : 0;
  } catch (const std::exception& error) {
    const std::string reason = dist::error_text(error);
    const int rank = group ? group->rank() : dist::options_from_environment(std::chrono::seconds(1)).rank;
    if (group) group->report_failure(reason);
    // A collective failure already names the rank at fault; other errors name the rank they hit.
    const std::string message = reason.rfind("rank ", 0) == 0 ? reason : "rank " + std::to_string(rank) + ": " + reason;
    store.log_event(run_id, "error", message);
    // No group: this rank could not join, and rank 0 may not be there to mark the run.
    if (rank == 0 || !group || group->main_lost()) store.mark_finished(run_id, store::RunStatus::failed, message);
    std::fprintf(stderr, "multipos train: run %lld failed: %s\n", static_cast<long long>(run_id), message.c_str());
    return 1;
  }
}

// `--nproc N` (or a config naming world_size N): N local workers, this process waits for them.
int launch_local_group(store::RunStore& store, int64_t run_id, int nproc, double timeout_seconds, bool quiet) {
  dist::LocalLaunch launch;
  launch.argv = {runs::current_executable(), "train", "--db", store.path(), "--run", std::to_string(run_id)};
  if (quiet) launch.argv.push_back("--quiet");
  launch.processes = nproc;
  launch.timeout = group_timeout(timeout_seconds);
  launch.extra_environment = {{"MULTIPOS_LAUNCHER_PID", std::to_string(getpid())}};
  launch.stop_requested = [] { return runs::quit_requested(); };
  std::vector<dist::WorkerExit> exits = dist::run_local_workers(launch);
  std::string failures;
  bool stopped = false;
  for (const auto& worker : exits) {
    // A worker still starting up when the stop came dies of the SIGTERM itself: stopped too.
    const bool stop_signal = runs::quit_requested() && WIFSIGNALED(worker.status) && WTERMSIG(worker.status) == SIGTERM;
    if ((WIFEXITED(worker.status) && WEXITSTATUS(worker.status) == 3) || stop_signal) stopped = true;
    if (!worker.ok() && !(WIFEXITED(worker.status) && WEXITSTATUS(worker.status) == 3) && !stop_signal)
      failures += (failures.empty() ? "" : "; ") + worker.description +
                  (worker.killed_by_launcher ? " (killed by the launcher after the group timeout)" : "");
  }
  if (failures.empty()) {
    auto run = store.find_run(run_id);  // killed before rank 0 could mark it: the launcher does
    if (stopped && run && run->status == "running") store.mark_finished(run_id, store::RunStatus::stopped, "stopped");
    return stopped ? 3 : 0;
  }
  // The workers mark the run themselves; when none could (all killed), the launcher does.
  auto run = store.find_run(run_id);
  if (run && (run->status == "running" || run->status == "queued")) {
    store.mark_finished(run_id, store::RunStatus::failed, "distributed workers ended: " + failures);
    store.log_event(run_id, "error", "distributed workers ended: " + failures);
  }
  std::fprintf(stderr, "multipos train: run %lld: %s\n", static_cast<long long>(run_id), failures.c_str());
  return 1;
}

// Trains one stored run, marking it failed with the reason when anything goes wrong.
int train_stored_run(store::RunStore& store, int64_t run_id, bool quiet, int64_t nproc_flag) {
  auto run = store.find_run(run_id);
  if (!run) throw UsageError("run " + std::to_string(run_id) + " does not exist in " + store.path());
  if (run->status == "finished")
    throw UsageError("run " + std::to_string(run_id) + " is finished; nothing to resume (launch a new run instead)");
  if (dist::environment_requests_distributed()) return train_as_rank(store, run_id, quiet, nullptr);
  try {
    train::TrainConfig config = stored_config(*run);
    const int64_t nproc = nproc_flag > 0 ? nproc_flag : config.distributed.world_size;
    if (nproc != config.distributed.world_size)
      throw UsageError("--nproc " + std::to_string(nproc) + ": run " + std::to_string(run_id) +
                       " was created for distributed.world_size = " + std::to_string(config.distributed.world_size) +
                       " (the run's config decides; create a run with --set distributed.world_size=" +
                       std::to_string(nproc) + ")");
    if (nproc > 1)
      return launch_local_group(store, run_id, static_cast<int>(nproc), config.distributed.timeout_seconds, quiet);
    auto outcome = train::train_run(config, store, run_id, make_hooks(run_id, quiet, ""));
    return outcome.stopped_early ? 3 : 0;
  } catch (const std::exception& error) {
    store.mark_finished(run_id, store::RunStatus::failed, error.what());
    store.log_event(run_id, "error", error.what());
    std::fprintf(stderr, "multipos train: run %lld failed: %s\n", static_cast<long long>(run_id), error.what());
    return 1;
  }
}

// `--nproc N` or WORLD_SIZE > 1 without --run: the created runs name the world size they train on.
std::vector<std::string> with_world_size(std::vector<std::string> args, int64_t world_size) {
  args.push_back("--set");
  args.push_back("distributed.world_size=" + std::to_string(world_size));
  return args;
}

// "[run 7] untrained on test:  map 0.1980  ndcg_cut_10 0.2760 ..." from the stored aggregates.
void print_baseline(const store::RunStore& store, int64_t run_id) {
  auto run = store.find_run(run_id);
  if (!run) return;
  std::string split, line;
  for (const auto& row : store.evaluations(run_id)) {
    if (!row.query_id.empty()) continue;
    split = row.split;
    char value[64];
    std::snprintf(value, sizeof value, "  %s %.4f", row.metric.c_str(), row.value);
    line += value;
  }
  std::printf("[run %lld] %s on %s:%s\n", static_cast<long long>(run_id), run->objective.c_str(), split.c_str(),
              line.c_str());
}

// Under torchrun/SLURM without --run: rank 0 creates the runs and tells the others their ids.
std::vector<int64_t> create_runs_as_group(const std::vector<std::string>& args, store::RunStore& store,
                                          dist::DistributedContext& group) {
  std::string ids;
  if (group.is_main()) {
    CliArgs cli(with_world_size(args, group.world_size()), [] {
      std::set<std::string> valued = run_config_options();
      valued.insert({"db", "run", "nproc"});
      return valued;
    }(), {"quiet", "help"});
    for (int64_t id : create_runs_from_cli(cli, store)) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  }
  ids = group.share_from_main("run ids", ids);
  std::vector<int64_t> result;
  for (size_t start = 0; start < ids.size();) {
    size_t comma = ids.find(',', start);
    if (comma == std::string::npos) comma = ids.size();
    result.push_back(std::stoll(ids.substr(start, comma - start)));
    start = comma + 1;
  }
  return result;
}

}  // namespace

int train_command(const std::vector<std::string>& args) {
  std::set<std::string> valued = run_config_options();
  valued.insert({"db", "run", "nproc"});
  CliArgs cli(args, valued, {"quiet", "help"});
  if (cli.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  runs::install_quit_handlers();  // SIGINT / SIGTERM: stop after the current step
  std::string db = cli.get_or("db", default_database_path());
  bool quiet = cli.has("quiet");
  store::RunStore store(db);
  const int64_t nproc = cli.integer("nproc", 0);
  if (cli.has("nproc") && (nproc < 1 || nproc > 4096)) throw UsageError("--nproc takes a process count (1..4096)");
  if (auto run = cli.get("run")) return train_stored_run(store, cli.integer("run", 0), quiet, nproc);

  std::unique_ptr<dist::DistributedContext> group;  // one group trains every run created here
  std::vector<int64_t> run_ids;
  if (dist::environment_requests_distributed()) {
    group = join_group(train::DistributedConfig{}.timeout_seconds, cli.get_or("device", "auto"));
    run_ids = create_runs_as_group(args, store, *group);
  } else {
    std::vector<int64_t> baseline_ids;
    const auto started = std::chrono::steady_clock::now();
    run_ids = create_runs_from_cli(nproc > 1 ? CliArgs(with_world_size(args, nproc), valued, {"quiet", "help"}) : cli,
                                   store, &baseline_ids);
    if (!quiet && !baseline_ids.empty()) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (int64_t id : baseline_ids) print_baseline(store, id);
      std::printf("baselines scored in %s\n", format_duration(seconds).c_str());
    }
  }
  int status = 0;
  for (int64_t run_id : run_ids) {
    if (runs::quit_requested()) {
      if (!group || group->is_main()) store.mark_finished(run_id, store::RunStatus::stopped, "stopped before it started");
      continue;
    }
    int result = group ? train_as_rank(store, run_id, quiet, group.get()) : train_stored_run(store, run_id, quiet, 0);
    if (result != 0 && status == 0) status = result;
    if (group && result == 1) break;  // the group is closed after a failure: the next runs stay queued
  }
  return status;
}

}  // namespace multipos::app
