#include "ui/background/run_control.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>

#include "core/runs/process.hpp"
#include "core/runs/scheduler.hpp"
#include "core/runs/worker_launcher.hpp"
#include "core/store/run_store.hpp"

namespace multipos::ui {

namespace {

std::string run_list(const std::vector<int64_t>& ids) {
  std::string text;
  for (int64_t id : ids) text += (text.empty() ? "#" : ", #") + std::to_string(id);
  return text;
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : ", ") + word;
  return text;
}

// Deletes the run's files beside the database; returns what it removed, for the log.
std::string remove_run_files(const std::string& database, int64_t run_id) {
  namespace fs = std::filesystem;
  const std::string run = "run-" + std::to_string(run_id);
  std::string removed;
  std::error_code error;
  const fs::path checkpoints = fs::path(database + ".checkpoints") / run;
  if (fs::remove_all(checkpoints, error) > 0 && !error) removed += " " + checkpoints.string();
  if (error) throw std::runtime_error("could not remove " + checkpoints.string() + ": " + error.message());
  const fs::path log = runs::worker_log_path(database, run_id);
  if (fs::remove(log, error) && !error) removed += " " + log.string();
  if (error) throw std::runtime_error("could not remove " + log.string() + ": " + error.message());
  return removed;
}

// Everything the thread holds once it first has work: opened lazily so a studio that only looks
// at a database never opens it for writing (or creates it).
struct Machinery {
  std::unique_ptr<store::RunStore> store;
  std::unique_ptr<runs::WorkerLauncher> launcher;
  std::unique_ptr<runs::Scheduler> scheduler;
  std::string executable;
  bool scheduling = false;  // something was launched: tick from now on
  int max_concurrent = 1;
  int queued_left = 0;

  // The scheduler refers to the launcher: release in reverse order of creation.
  void close() {
    scheduler.reset();
    launcher.reset();
    store.reset();
  }
};

}  // namespace

RunControl::RunControl(RunControlOptions options) : options_(std::move(options)), thread_([this] { run(); }) {}

RunControl::~RunControl() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RunControl::enqueue(Command command) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    commands_.push_back(std::move(command));
  }
  wake_.notify_all();
}

void RunControl::launch(LaunchRequest request) {
  Command command;
  command.kind = Command::Kind::launch;
  command.request = std::move(request);
  enqueue(std::move(command));
}

void RunControl::stop(int64_t run_id) {
  Command command;
  command.kind = Command::Kind::stop;
  command.run_id = run_id;
  enqueue(std::move(command));
}

void RunControl::cancel(int64_t run_id) {
  Command command;
  command.kind = Command::Kind::cancel;
  command.run_id = run_id;
  enqueue(std::move(command));
}

void RunControl::resume(int64_t run_id) {
  Command command;
  command.kind = Command::Kind::resume;
  command.run_id = run_id;
  enqueue(std::move(command));
}

void RunControl::set_notes(int64_t run_id, std::string tags, std::string notes) {
  Command command;
  command.kind = Command::Kind::set_notes;
  command.run_id = run_id;
  command.tags = std::move(tags);
  command.notes = std::move(notes);
  enqueue(std::move(command));
}

void RunControl::remove(int64_t run_id) {
  Command command;
  command.kind = Command::Kind::remove;
  command.run_id = run_id;
  enqueue(std::move(command));
}

std::vector<ControlMessage> RunControl::take_messages() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(messages_, {});
}

std::vector<int64_t> RunControl::take_created() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(created_, {});
}

std::size_t RunControl::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return commands_.size() + in_progress_;
}

void RunControl::say(LogLevel level, std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  messages_.push_back({level, std::move(text)});
}

void RunControl::run() {
  const std::string database = std::filesystem::absolute(options_.db_path).lexically_normal().string();
  const auto tick_interval = std::chrono::duration<double>(options_.tick_seconds);
  Machinery machinery;
  auto open = [&] {
    if (machinery.store) return;
    machinery.executable =
        options_.worker_executable.empty() ? runs::current_executable() : options_.worker_executable;
    machinery.store = std::make_unique<store::RunStore>(database);
    machinery.launcher = std::make_unique<runs::WorkerLauncher>(machinery.executable, database);
  };
  auto open_scheduler = [&] {
    const runs::SchedulerOptions scheduler_options{machinery.max_concurrent, runs::kDefaultHeartbeatTimeoutSeconds,
                                                   std::nullopt};
    if (!machinery.scheduler) {
      machinery.scheduler = std::make_unique<runs::Scheduler>(*machinery.launcher, scheduler_options);
    }
    machinery.scheduler->set_max_concurrent(machinery.max_concurrent);
  };
  auto execute = [&](const Command& command) {
    switch (command.kind) {
      case Command::Kind::launch: {
        if (!options_.factory.create) throw std::runtime_error("this studio cannot create runs (no run factory)");
        const std::vector<int64_t> ids = options_.factory.create(command.request, *machinery.store);
        say(LogLevel::info, "Queued runs " + run_list(ids) + " (" + join(command.request.objectives) + ", " +
                                std::to_string(command.request.steps) + " steps); the studio starts them");
        {
          std::lock_guard<std::mutex> lock(mutex_);
          created_.insert(created_.end(), ids.begin(), ids.end());
        }
        machinery.scheduling = true;
        machinery.max_concurrent = command.request.max_concurrent;
        open_scheduler();
        break;
      }
      case Command::Kind::stop: {
        const int64_t pid = runs::stop_run(*machinery.store, *machinery.launcher, command.run_id);
        say(LogLevel::info, pid > 0 ? "Asked run #" + std::to_string(command.run_id) + " to stop (SIGTERM to worker pid " +
                                          std::to_string(pid) + "); it stops after its current step"
                                    : "Cancelled queued run #" + std::to_string(command.run_id));
        break;
      }
      case Command::Kind::cancel:
        runs::cancel_run(*machinery.store, command.run_id);
        say(LogLevel::info, "Cancelled queued run #" + std::to_string(command.run_id));
        break;
      case Command::Kind::resume:
        machinery.store->requeue(command.run_id);
        say(LogLevel::info, "Queued run #" + std::to_string(command.run_id) +
                                " again; it resumes from its last checkpoint");
        if (!machinery.scheduling) {
          machinery.max_concurrent = runs::default_max_concurrent(std::thread::hardware_concurrency(),
                                                                   static_cast<int>(runs::host_gpus().size()));
        }
        machinery.scheduling = true;
        open_scheduler();
        break;
      case Command::Kind::set_notes:
        machinery.store->set_notes(command.run_id, command.tags, command.notes);
        say(LogLevel::info, "Saved tags and notes of run #" + std::to_string(command.run_id));
        break;
      case Command::Kind::remove: {
        const auto run = machinery.store->find_run(command.run_id);
        if (!run) throw std::runtime_error("no such run (already deleted?)");
        if (run->status == "running") throw std::runtime_error("is running; stop it before deleting it");
        machinery.store->delete_run(command.run_id);
        const std::string files = remove_run_files(database, command.run_id);
        say(LogLevel::info, "Deleted run #" + std::to_string(command.run_id) +
                                (files.empty() ? " (it had no checkpoints or log)" : "; removed" + files));
        break;
      }
    }
  };
  auto tick = [&] {
    const runs::TickReport report = machinery.scheduler->tick(*machinery.store);
    for (const auto& started : report.started) {
      say(LogLevel::info, "Started run #" + std::to_string(started.run_id) + " (worker pid " +
                              std::to_string(started.pid) + ", log " +
                              runs::worker_log_path(database, started.run_id) + ")");
    }
    for (const auto& failed : report.failed) {
      say(LogLevel::error, "Run #" + std::to_string(failed.run_id) + " failed: " + failed.reason);
    }
    machinery.queued_left = report.queued;
  };

  std::string last_failure;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    auto has_work = [this] { return stop_ || !commands_.empty(); };
    if (machinery.scheduling) wake_.wait_for(lock, tick_interval, has_work);
    else wake_.wait(lock, has_work);
    if (stop_) break;
    std::deque<Command> batch;
    batch.swap(commands_);
    in_progress_ = batch.size();
    lock.unlock();
    try {
      if (!batch.empty() || machinery.scheduling) open();
      for (const Command& command : batch) {
        try {
          execute(command);
        } catch (const std::exception& error) {
          const std::string what = command.kind == Command::Kind::launch ? "Launch failed: "
                                   : "Run #" + std::to_string(command.run_id) + ": ";
          say(LogLevel::error, what + error.what());
        }
      }
      if (machinery.scheduling) {
        open_scheduler();
        tick();
      }
      last_failure.clear();
    } catch (const std::exception& error) {
      // The store could not be opened or a tick failed (locked, deleted file): retry next tick,
      // reporting the same failure once rather than every second.
      const std::string message = std::string("Run control: ") + error.what();
      if (message != last_failure) say(LogLevel::error, message);
      last_failure = message;
      machinery.close();
    }
    lock.lock();
    in_progress_ = 0;
  }
  lock.unlock();

  if (machinery.scheduling && machinery.queued_left > 0 && options_.hand_over_on_exit &&
      !machinery.executable.empty()) {
    try {
      // Nobody would start the runs still queued once the studio is gone: a detached scheduler
      // (the same one `multipos launch` starts) carries on and exits when the queue is empty.
      runs::spawn_detached({machinery.executable, "scheduler", "--db", database, "--max-concurrent",
                            std::to_string(machinery.max_concurrent)},
                           database + ".logs/scheduler.log");
    } catch (const std::exception&) {
      // Nowhere to report it any more; `multipos scheduler --db FILE` starts them by hand.
    }
  }
  machinery.close();  // close SQLite on the thread that used it
}

}  // namespace multipos::ui
