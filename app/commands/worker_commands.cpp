// Background training from the command line: `launch` queues runs and starts a detached
// scheduler, `scheduler` starts queued runs up to a limit and reaps dead ones until nothing is
// left, `stop` / `cancel` end one run, `doctor` checks the database and reaps dead runs.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <thread>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/run_creation.hpp"
#include "core/runs/scheduler.hpp"
#include "core/runs/worker_launcher.hpp"
#include "core/store/run_store.hpp"
#include "core/train/run_checkpoints.hpp"

namespace multipos::app {

namespace {

volatile std::sig_atomic_t g_quit_requested = 0;
extern "C" void request_quit(int) { g_quit_requested = 1; }

const char* kLaunchUsage =
    "usage: multipos launch --config FILE.json --db FILE --objective NAME|a,b,...|all\n"
    "                       [--max-concurrent N] [--wait] [--set key.path=JSON ...] [--steps N] ...\n"
    "  Queues one run per objective and trains them in background workers (one process per run,\n"
    "  output in FILE.logs/run-ID.log) through a detached scheduler; --wait schedules in the foreground.\n";
const char* kSchedulerUsage =
    "usage: multipos scheduler --db FILE [--max-concurrent N] [--heartbeat-timeout SECONDS]\n"
    "  Starts queued runs (in queue order, at most N at once) and marks dead workers' runs failed,\n"
    "  once a second, until nothing is queued or running on this host.\n";
const char* kStopUsage =
    "usage: multipos stop --db FILE --run ID [--kill] [--timeout SECONDS]\n"
    "  Asks the run's worker to stop after its current step (SIGTERM) and waits for it; a queued run\n"
    "  is cancelled; --kill ends the worker at once (SIGKILL) and marks the run failed.\n";
const char* kCancelUsage = "usage: multipos cancel --db FILE --run ID   (a queued run: marks it stopped)\n";
const char* kDoctorUsage =
    "usage: multipos doctor --db FILE [--heartbeat-timeout SECONDS] [--repair]\n"
    "  Checks the database (PRAGMA integrity_check), marks failed the running runs whose worker is\n"
    "  gone or silent, checkpoints the WAL, rebuilds the indexes (REINDEX) and reports rows whose run\n"
    "  no longer exists; --repair deletes them. Exits 1 when the database is damaged.\n";
const char* kResumeUsage =
    "usage: multipos resume --db FILE --run ID [--wait] [--max-concurrent N]\n"
    "  Puts a stopped or failed run back in the queue; its worker continues from the run's last\n"
    "  checkpoint (same results as an uninterrupted run). Refuses a run without a checkpoint of its\n"
    "  own or whose checkpoint has another config, changing nothing. --wait schedules in the foreground.\n";
const char* kQueueUsage =
    "usage: multipos queue --db FILE [--run ID (--to N | --first | --last)]\n"
    "  Moves a queued run in the queue (position 1 starts next); without --run lists the queue.\n";

std::string absolute_path(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

// One run per GPU where the host has GPUs (runs::host_gpus), else by cores.
int default_concurrency() {
  return runs::default_max_concurrent(std::thread::hardware_concurrency(), static_cast<int>(runs::host_gpus().size()));
}

int max_concurrent_option(const CliArgs& cli) {
  int64_t value = cli.integer("max-concurrent", default_concurrency());
  if (value < 1) throw UsageError("--max-concurrent must be at least 1, got " + std::to_string(value));
  return static_cast<int>(value);
}

double heartbeat_timeout_option(const CliArgs& cli) {
  double value = cli.number("heartbeat-timeout", runs::kDefaultHeartbeatTimeoutSeconds);
  if (value <= 0) throw UsageError("--heartbeat-timeout must be positive");
  return value;
}

void say(const std::string& text) {
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

void report_tick(const runs::TickReport& report, const std::string& database) {
  for (const auto& started : report.started)
    say("started run " + std::to_string(started.run_id) + " (worker pid " + std::to_string(started.pid) + ", log " +
        runs::worker_log_path(database, started.run_id) + ")");
  for (const auto& failed : report.failed) say("run " + std::to_string(failed.run_id) + " failed: " + failed.reason);
}

// Ticks once a second until nothing is queued or running here and every worker we started was
// reaped, or until SIGINT/SIGTERM (then running workers carry on: they are in their own sessions).
int scheduler_loop(const std::string& database, runs::SchedulerOptions options) {
  std::signal(SIGINT, request_quit);
  std::signal(SIGTERM, request_quit);
  store::RunStore store(database);
  runs::WorkerLauncher launcher(runs::current_executable(), database);
  runs::Scheduler scheduler(launcher, options);
  say("scheduler for " + database + " (pid " + std::to_string(getpid()) + ", at most " +
      std::to_string(scheduler.options().max_concurrent) + " running at once)");
  while (!g_quit_requested) {
    runs::TickReport report = scheduler.tick(store);
    report_tick(report, database);
    if (report.idle() && launcher.live_children() == 0) {
      say("nothing queued or running: scheduler exits");
      return 0;
    }
    for (int slice = 0; slice < 10 && !g_quit_requested; ++slice)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  say("scheduler interrupted: running workers carry on; queued runs wait for `multipos scheduler --db " + database +
      "`");
  return 130;
}

}  // namespace

int launch_command(const std::vector<std::string>& args) {
  std::set<std::string> valued = run_config_options();
  valued.insert({"db", "max-concurrent", "heartbeat-timeout"});
  CliArgs cli(args, valued, {"wait", "help"});
  if (cli.has("help")) {
    std::fputs(kLaunchUsage, stdout);
    return 0;
  }
  std::string database = absolute_path(cli.get_or("db", default_database_path()));
  runs::SchedulerOptions options{max_concurrent_option(cli), heartbeat_timeout_option(cli), std::nullopt};
  std::vector<int64_t> run_ids;
  {
    store::RunStore store(database);
    run_ids = create_runs_from_cli(cli, store);
    if (!cli.get("max-concurrent") && !run_ids.empty()) {  // as many as free GPUs when it trains on CUDA
      std::vector<std::string> held;
      for (const auto& run : store.list_runs())
        if (run.status == "running" && run.host == runs::this_host_name() && !run.gpus.empty()) held.push_back(run.gpus);
      options.max_concurrent = runs::default_max_concurrent_for(store.find_run(run_ids.front())->config_json, held,
                                                                std::thread::hardware_concurrency());
    }
    for (int64_t run_id : run_ids) {
      auto run = store.find_run(run_id);
      say("queued run " + std::to_string(run_id) + " " + run->name + " (" + run->objective + ", " +
          std::to_string(run->total_steps) + " steps)");
    }
  }
  if (run_ids.empty()) {  // --objective none: the baselines are scored and stored already
    say("nothing to train: the baselines are stored as finished runs; list them with `multipos runs --db " +
        database + "`");
    return 0;
  }
  if (cli.has("wait")) {
    int status = scheduler_loop(database, options);
    store::RunStore store(database, store::RunStore::Mode::read_only);
    for (int64_t run_id : run_ids) {
      auto run = store.find_run(run_id);
      say("run " + std::to_string(run_id) + " " + run->status + (run->error.empty() ? "" : ": " + run->error));
      if (run->status != "finished" && status == 0) status = 1;
    }
    return status;
  }
  std::string log = database + ".logs/scheduler.log";
  pid_t pid = runs::spawn_detached({runs::current_executable(), "scheduler", "--db", database, "--max-concurrent",
                                    std::to_string(options.max_concurrent), "--heartbeat-timeout",
                                    std::to_string(options.heartbeat_timeout_seconds)},
                                   log);
  say("scheduler pid " + std::to_string(pid) + " trains them in the background (log " + log +
      "); follow with `multipos runs --db " + database + "`");
  return 0;
}

int scheduler_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "max-concurrent", "heartbeat-timeout"}, {"help"});
  if (cli.has("help")) {
    std::fputs(kSchedulerUsage, stdout);
    return 0;
  }
  std::string database = absolute_path(cli.get_or("db", default_database_path()));
  return scheduler_loop(database, {max_concurrent_option(cli), heartbeat_timeout_option(cli), std::nullopt});
}

int stop_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "run", "timeout"}, {"kill", "help"});
  if (cli.has("help")) {
    std::fputs(kStopUsage, stdout);
    return 0;
  }
  if (!cli.get("run")) throw UsageError("--run ID is required");
  std::string database = absolute_path(cli.get_or("db", default_database_path()));
  int64_t run_id = cli.integer("run", 0);
  store::RunStore store(database);
  runs::WorkerLauncher launcher(runs::current_executable(), database);
  try {
    if (cli.has("kill")) {
      runs::kill_run(store, launcher, run_id);
      say("run " + std::to_string(run_id) + " killed: " + store.find_run(run_id)->error);
      return 0;
    }
    int64_t pid = runs::stop_run(store, launcher, run_id);
    if (pid == 0) {
      say("run " + std::to_string(run_id) + " cancelled before it started");
      return 0;
    }
    say("asked worker pid " + std::to_string(pid) + " to stop run " + std::to_string(run_id) +
        " after its current step");
  } catch (const runs::RunControlError& error) {
    throw UsageError(error.what());
  }
  double timeout = cli.number("timeout", 30);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (std::chrono::steady_clock::now() < deadline) {
    auto run = store.find_run(run_id);
    if (run->status != "running") {
      say("run " + std::to_string(run_id) + " " + run->status + (run->error.empty() ? "" : ": " + run->error));
      return run->status == "stopped" || run->status == "finished" ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "multipos stop: run %lld still running after %.0f s; end it with --kill\n",
               static_cast<long long>(run_id), timeout);
  return 1;
}

int cancel_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "run"}, {"help"});
  if (cli.has("help")) {
    std::fputs(kCancelUsage, stdout);
    return 0;
  }
  if (!cli.get("run")) throw UsageError("--run ID is required");
  store::RunStore store(absolute_path(cli.get_or("db", default_database_path())));
  int64_t run_id = cli.integer("run", 0);
  try {
    runs::cancel_run(store, run_id);
  } catch (const runs::RunControlError& error) {
    throw UsageError(error.what());
  }
  say("run " + std::to_string(run_id) + " cancelled before it started");
  return 0;
}

namespace {

// Starts the queue in the background (a detached scheduler) or, with --wait, in the foreground
// until it is empty; returns the exit status.
int run_queue(const std::string& database, runs::SchedulerOptions options, bool wait) {
  if (wait) return scheduler_loop(database, options);
  std::string log = database + ".logs/scheduler.log";
  pid_t pid = runs::spawn_detached({runs::current_executable(), "scheduler", "--db", database, "--max-concurrent",
                                    std::to_string(options.max_concurrent), "--heartbeat-timeout",
                                    std::to_string(options.heartbeat_timeout_seconds)},
                                   log);
  say("scheduler pid " + std::to_string(pid) + " trains it in the background (log " + log + ")");
  return 0;
}

// Doctor's repairs on a healthy database: WAL checkpoint, REINDEX, orphan rows.
void repair(store::RunStore& store, bool delete_orphans) {
  try {
    store.checkpoint_wal();
    say("WAL checkpointed");
  } catch (const store::StoreError& error) {
    say(std::string("WAL checkpoint skipped: ") + error.what());
  }
  store.reindex();
  say("indexes rebuilt (REINDEX)");
  store::OrphanReport orphans = delete_orphans ? store.delete_orphan_rows() : store.orphan_rows();
  say(std::to_string(orphans.total()) + " orphan row(s)" + (delete_orphans && orphans.total() ? " deleted" : "") +
      " (series " + std::to_string(orphans.series) + ", scalars " + std::to_string(orphans.scalars) + ", probes " +
      std::to_string(orphans.probes) + ", evaluations " + std::to_string(orphans.evaluations) + ", events " +
      std::to_string(orphans.events) + ", retrieved " + std::to_string(orphans.retrieved) + ")" +
      (!delete_orphans && orphans.total() ? "; delete them with --repair" : ""));
}

}  // namespace

int resume_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "run", "max-concurrent", "heartbeat-timeout"}, {"wait", "help"});
  if (cli.has("help")) {
    std::fputs(kResumeUsage, stdout);
    return 0;
  }
  if (!cli.get("run")) throw UsageError("--run ID is required");
  std::string database = absolute_path(cli.get_or("db", default_database_path()));
  if (!std::filesystem::exists(database)) throw UsageError(database + ": no such database");
  const int64_t run_id = cli.integer("run", 0);
  runs::SchedulerOptions options{max_concurrent_option(cli), heartbeat_timeout_option(cli), std::nullopt};
  {
    store::RunStore store(database);
    train::CheckpointInfo checkpoint;
    try {
      checkpoint = train::check_resumable(store, run_id);
      store.requeue(run_id);
    } catch (const train::ResumeError& error) {
      throw UsageError(error.what());
    } catch (const store::StoreError& error) {
      throw UsageError(error.what());
    }
    store.log_event(run_id, "info", "queued to resume from " + checkpoint.dir);
    say("run " + std::to_string(run_id) + " queued to resume after step " + std::to_string(checkpoint.step) + " from " +
        checkpoint.dir);
  }
  int status = run_queue(database, options, cli.has("wait"));
  if (cli.has("wait")) {
    auto run = store::RunStore(database, store::RunStore::Mode::read_only).find_run(run_id);
    say("run " + std::to_string(run_id) + " " + run->status + (run->error.empty() ? "" : ": " + run->error));
    if (run->status != "finished" && status == 0) status = 1;
  }
  return status;
}

int queue_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "run", "to"}, {"first", "last", "help"});
  if (cli.has("help")) {
    std::fputs(kQueueUsage, stdout);
    return 0;
  }
  store::RunStore store(absolute_path(cli.get_or("db", default_database_path())));
  if (cli.get("run")) {
    const int choices = cli.has("to") + cli.has("first") + cli.has("last");
    if (choices != 1) throw UsageError("give exactly one of --to N, --first, --last");
    const int64_t run_id = cli.integer("run", 0);
    int64_t position = cli.has("first") ? 1 : cli.has("last") ? std::numeric_limits<int64_t>::max() : cli.integer("to", 1);
    if (position < 1) throw UsageError("--to must be at least 1, got " + std::to_string(position));
    try {
      position = store.move_in_queue(run_id, position);
    } catch (const store::StoreError& error) {
      throw UsageError(error.what());
    }
    say("run " + std::to_string(run_id) + " is now at position " + std::to_string(position) + " of the queue");
  }
  int64_t position = 0;
  for (int64_t id : store.queue_order()) {
    auto run = store.find_run(id);
    say(std::to_string(++position) + ". run " + std::to_string(id) + " " + run->name + " (" + run->objective + ")");
  }
  if (position == 0) say("the queue is empty");
  return 0;
}

int doctor_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "heartbeat-timeout"}, {"repair", "help"});
  if (cli.has("help")) {
    std::fputs(kDoctorUsage, stdout);
    return 0;
  }
  std::string database = absolute_path(cli.get_or("db", default_database_path()));
  if (!std::filesystem::exists(database)) throw UsageError(database + ": no such database");
  std::optional<store::RunStore> opened;
  std::string integrity;
  try {
    opened.emplace(database);
    integrity = opened->integrity_check();
  } catch (const store::StoreError& error) {
    integrity = error.what();  // a badly damaged file fails before the check can report
  }
  say("integrity_check: " + integrity);
  if (integrity != "ok") {
    std::fprintf(stderr,
                 "multipos doctor: %s is damaged or not a run store; copy it aside before writing to it again\n",
                 database.c_str());
    return 1;
  }
  store::RunStore& store = *opened;
  runs::WorkerLauncher launcher(runs::current_executable(), database);
  auto reaped = runs::reap_dead_runs(store, launcher, heartbeat_timeout_option(cli));
  for (const auto& run : reaped) say("run " + std::to_string(run.run_id) + " marked failed: " + run.reason);
  int queued = 0, running = 0;
  for (const auto& run : store.list_runs()) {
    queued += run.status == "queued";
    running += run.status == "running";
  }
  say(std::to_string(reaped.size()) + " dead run(s) reaped; " + std::to_string(running) + " running, " +
      std::to_string(queued) + " queued");
  repair(store, cli.has("repair"));
  if (queued > 0 && running == 0) say("queued runs start with `multipos scheduler --db " + database + "`");
  return 0;
}

}  // namespace multipos::app
