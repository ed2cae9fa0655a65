#include "core/runs/run_service.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <utility>

#include "core/runs/process.hpp"
#include "core/train/train_config.hpp"

namespace multipos::runs {

namespace {

std::string absolute(const std::string& path) {
  return path == ":memory:" ? path : std::filesystem::absolute(path).lexically_normal().string();
}

std::shared_ptr<WorkerControl> make_control(const RunServiceOptions& options, const std::string& executable) {
  if (options.control) return options.control;
  return std::make_shared<WorkerLauncher>(executable, options.database);
}

std::string run_name(int64_t run_id) { return "run " + std::to_string(run_id); }

// Deletes the run's files beside the database; returns what it removed.
std::string remove_run_files(const std::string& database, int64_t run_id) {
  namespace fs = std::filesystem;
  std::string removed;
  std::error_code error;
  const fs::path checkpoints = fs::path(database + ".checkpoints") / ("run-" + std::to_string(run_id));
  if (fs::remove_all(checkpoints, error) > 0 && !error) removed += " " + checkpoints.string();
  if (error) throw RunControlError("could not remove " + checkpoints.string() + ": " + error.message());
  const fs::path log = worker_log_path(database, run_id);
  if (fs::remove(log, error) && !error) removed += " " + log.string();
  if (error) throw RunControlError("could not remove " + log.string() + ": " + error.message());
  return removed;
}

std::atomic<bool> g_handlers_installed{false};
volatile std::sig_atomic_t g_quit = 0;
extern "C" void on_quit_signal(int) { g_quit = 1; }

}  // namespace

store::NewRun new_run_row(const train::TrainConfig& config, const std::string& group_id) {
  store::NewRun run;
  run.name = config.name;
  run.objective = config.objective.name;
  run.dataset = train::dataset_label(config);
  run.config_json = train::to_json(config).dump();
  run.seed = static_cast<int64_t>(config.seed);
  run.group_id = group_id;
  run.total_steps = config.steps;
  return run;
}

RunService::RunService(RunServiceOptions options)
    : options_([&] {
        options.database = absolute(options.database);
        return std::move(options);
      }()),
      executable_(options_.worker_executable.empty() && !options_.control ? current_executable()
                                                                          : options_.worker_executable),
      store_(std::make_unique<store::RunStore>(options_.database)),
      control_(make_control(options_, executable_)),
      scheduler_(*control_, options_.scheduler) {}

// The scheduler refers to the control; members go in reverse order, the store last.
RunService::~RunService() = default;

void RunService::emit(RunEvent event) { events_.push_back(std::move(event)); }

std::vector<RunEvent> RunService::take_events() { return std::exchange(events_, {}); }

int64_t RunService::queue(const store::NewRun& row) {
  const int64_t id = store_->create_run(row);
  emit({RunEvent::Kind::queued, id, 0, 0, row.name});
  return id;
}

std::vector<int64_t> RunService::queue(const std::vector<train::TrainConfig>& configs, const std::string& group_id) {
  std::vector<int64_t> ids;
  for (const auto& config : configs) ids.push_back(queue(new_run_row(config, group_id)));
  return ids;
}

void RunService::note_queued(const std::vector<int64_t>& run_ids) {
  for (int64_t id : run_ids) {
    auto run = store_->find_run(id);
    emit({RunEvent::Kind::queued, id, 0, 0, run ? run->name : std::string()});
  }
}

int64_t RunService::stop(int64_t run_id) {
  const int64_t pid = stop_run(*store_, *control_, run_id);
  emit({pid > 0 ? RunEvent::Kind::stopping : RunEvent::Kind::cancelled, run_id, pid, 0, {}});
  return pid;
}

void RunService::cancel(int64_t run_id) {
  cancel_run(*store_, run_id);
  emit({RunEvent::Kind::cancelled, run_id, 0, 0, {}});
}

void RunService::kill(int64_t run_id) {
  kill_run(*store_, *control_, run_id);
  auto run = store_->find_run(run_id);
  emit({RunEvent::Kind::killed, run_id, 0, 0, run ? run->error : std::string()});
}

std::string RunService::resume(int64_t run_id) {
  std::string from;
  if (options_.resume_check) from = options_.resume_check(*store_, run_id);
  try {
    store_->requeue(run_id);
  } catch (const store::StoreError& error) {
    throw RunControlError(error.what());
  }
  if (!from.empty()) store_->log_event(run_id, "info", "queued to resume from " + from);
  emit({RunEvent::Kind::requeued, run_id, 0, 0, from});
  return from;
}

void RunService::remove(int64_t run_id) {
  const auto run = store_->find_run(run_id);
  if (!run) throw RunControlError(run_name(run_id) + " does not exist (already deleted?)");
  if (run->status == "running") throw RunControlError(run_name(run_id) + " is running; stop it before deleting it");
  store_->delete_run(run_id);
  emit({RunEvent::Kind::deleted, run_id, 0, 0, remove_run_files(options_.database, run_id)});
}

int64_t RunService::move(int64_t run_id, int64_t position) {
  int64_t landed = 0;
  try {
    landed = store_->move_in_queue(run_id, position);
  } catch (const store::StoreError& error) {
    throw RunControlError(error.what());
  }
  emit({RunEvent::Kind::moved, run_id, 0, landed, {}});
  return landed;
}

void RunService::set_notes(int64_t run_id, const std::string& tags, const std::string& notes) {
  store_->set_notes(run_id, tags, notes);
  emit({RunEvent::Kind::notes_saved, run_id, 0, 0, {}});
}

TickReport RunService::tick() {
  TickReport report = scheduler_.tick(*store_);
  for (const auto& failed : report.failed) emit({RunEvent::Kind::failed, failed.run_id, 0, 0, failed.reason});
  for (const auto& started : report.started) emit({RunEvent::Kind::started, started.run_id, started.pid, 0, {}});
  last_tick_ = report;
  return report;
}

bool RunService::drained() const {
  return last_tick_ && last_tick_->idle() && control_->live_children() == 0;
}

std::string RunService::scheduler_log() const { return options_.database + ".logs/scheduler.log"; }

std::vector<std::string> RunService::scheduler_argv() const {
  const std::string executable = executable_.empty() ? current_executable() : executable_;
  return {executable,
          "scheduler",
          "--db",
          options_.database,
          "--max-concurrent",
          std::to_string(scheduler_.options().max_concurrent),
          "--heartbeat-timeout",
          std::to_string(scheduler_.options().heartbeat_timeout_seconds)};
}

int64_t RunService::hand_over() const { return spawn_detached(scheduler_argv(), scheduler_log()); }

void install_quit_handlers() {
  if (g_handlers_installed.exchange(true)) return;
  std::signal(SIGINT, on_quit_signal);
  std::signal(SIGTERM, on_quit_signal);
}

bool quit_requested() { return g_quit != 0; }

LoopEnd run_until(RunService& service, const LoopOptions& options) {
  const auto slice = std::chrono::milliseconds(100);
  const int slices = std::max(1, static_cast<int>(options.tick_seconds * 10 + 0.5));
  while (!quit_requested()) {
    const TickReport report = service.tick();
    if (options.on_events) options.on_events(service.take_events());
    const bool done = options.done ? options.done(service, report) : service.drained();
    if (done) return LoopEnd::done;
    for (int i = 0; i < slices && !quit_requested(); ++i) std::this_thread::sleep_for(slice);
  }
  return LoopEnd::interrupted;
}

}  // namespace multipos::runs
