#include "ui/background/run_control.hpp"

#include <cctype>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>

#include "core/runs/gpus.hpp"
#include "core/runs/process.hpp"
#include "core/runs/run_service.hpp"
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

// The studio's sentence for a run service event; empty for events the launch message covers.
ControlMessage message_for(const runs::RunEvent& event, const std::string& database) {
  using Kind = runs::RunEvent::Kind;
  const std::string run = "run #" + std::to_string(event.run_id);
  switch (event.kind) {
    case Kind::queued:
      return {};
    case Kind::requeued:
      return {LogLevel::info, "Queued " + run + " again; it resumes from its last checkpoint"};
    case Kind::started:
      return {LogLevel::info, "Started " + run + " (worker pid " + std::to_string(event.pid) + ", log " +
                                  runs::worker_log_path(database, event.run_id) + ")"};
    case Kind::failed:
      return {LogLevel::error, "Run #" + std::to_string(event.run_id) + " failed: " + event.text};
    case Kind::stopping:
      return {LogLevel::info, "Asked " + run + " to stop (SIGTERM to worker pid " + std::to_string(event.pid) +
                                  "); it stops after its current step"};
    case Kind::cancelled:
      return {LogLevel::info, "Cancelled queued " + run};
    case Kind::killed:
      return {LogLevel::info, "Killed " + run + ": " + event.text};
    case Kind::moved:
      return {LogLevel::info, "Moved " + run + " to position " + std::to_string(event.position) + " of the queue"};
    case Kind::notes_saved:
      return {LogLevel::info, "Saved tags and notes of " + run};
    case Kind::deleted:
      return {LogLevel::info, "Deleted " + run + (event.text.empty() ? " (it had no checkpoints or log)"
                                                                     : "; removed" + event.text)};
  }
  return {};
}

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

void RunControl::stop(int64_t run_id) { enqueue({Command::Kind::stop, {}, run_id, {}, {}}); }
void RunControl::cancel(int64_t run_id) { enqueue({Command::Kind::cancel, {}, run_id, {}, {}}); }
void RunControl::resume(int64_t run_id) { enqueue({Command::Kind::resume, {}, run_id, {}, {}}); }
void RunControl::remove(int64_t run_id) { enqueue({Command::Kind::remove, {}, run_id, {}, {}}); }

void RunControl::set_notes(int64_t run_id, std::string tags, std::string notes) {
  enqueue({Command::Kind::set_notes, {}, run_id, std::move(tags), std::move(notes)});
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

// Thread side: the run service, opened lazily so a studio that only looks at a database never
// opens it for writing (or creates it); scheduling starts with the first launch or resume.
struct RunControl::Machinery {
  std::unique_ptr<runs::RunService> service;
  bool scheduling = false;
  int max_concurrent = 1;
  int queued_left = 0;
};

void RunControl::open(Machinery& machinery) {
  if (machinery.service) return;
  runs::RunServiceOptions options;
  options.database = options_.db_path;
  options.worker_executable = options_.worker_executable;
  options.scheduler.max_concurrent = machinery.max_concurrent;
  machinery.service = std::make_unique<runs::RunService>(std::move(options));
}

void RunControl::forward_events(runs::RunService& service) {
  for (const auto& event : service.take_events()) {
    ControlMessage message = message_for(event, service.database());
    if (!message.text.empty()) say(message.level, std::move(message.text));
  }
}

void RunControl::execute(Machinery& machinery, const Command& command) {
  runs::RunService& service = *machinery.service;
  switch (command.kind) {
    case Command::Kind::launch: {
      if (!options_.factory.create) throw std::runtime_error("this studio cannot create runs (no run factory)");
      const std::vector<int64_t> ids = options_.factory.create(command.request, service.store());
      service.note_queued(ids);
      say(LogLevel::info, "Queued runs " + run_list(ids) + " (" + join(command.request.objectives) + ", " +
                              std::to_string(command.request.steps) + " steps); the studio starts them");
      {
        std::lock_guard<std::mutex> lock(mutex_);
        created_.insert(created_.end(), ids.begin(), ids.end());
      }
      machinery.scheduling = true;
      machinery.max_concurrent = command.request.max_concurrent;
      break;
    }
    case Command::Kind::stop:
      service.stop(command.run_id);
      break;
    case Command::Kind::cancel:
      service.cancel(command.run_id);
      break;
    case Command::Kind::resume:
      service.resume(command.run_id);
      if (!machinery.scheduling) {
        machinery.max_concurrent = runs::default_max_concurrent(std::thread::hardware_concurrency(),
                                                                 static_cast<int>(runs::host_gpus().size()));
      }
      machinery.scheduling = true;
      break;
    case Command::Kind::set_notes:
      service.set_notes(command.run_id, command.tags, command.notes);
      break;
    case Command::Kind::remove:
      service.remove(command.run_id);
      break;
  }
  service.set_max_concurrent(machinery.max_concurrent);
  forward_events(service);
}

void RunControl::run() {
  const auto tick_interval = std::chrono::duration<double>(options_.tick_seconds);
  Machinery machinery;
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
      if (!batch.empty() || machinery.scheduling) open(machinery);
      for (const Command& command : batch) {
        try {
          execute(machinery, command);
        } catch (const runs::RunControlError& error) {  // names the run already: "run 5 is running; ..."
          std::string what = error.what();
          if (!what.empty()) what[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(what[0])));
          say(LogLevel::error, what);
          machinery.service->take_events();
        } catch (const std::exception& error) {
          const std::string what = command.kind == Command::Kind::launch ? "Launch failed: "
                                   : "Run #" + std::to_string(command.run_id) + ": ";
          say(LogLevel::error, what + error.what());
          machinery.service->take_events();
        }
      }
      if (machinery.scheduling) {
        machinery.queued_left = machinery.service->tick().queued;
        forward_events(*machinery.service);
      }
      last_failure.clear();
    } catch (const std::exception& error) {
      // The store could not be opened or a tick failed (locked, deleted file): retry next tick,
      // reporting the same failure once rather than every second.
      const std::string message = std::string("Run control: ") + error.what();
      if (message != last_failure) say(LogLevel::error, message);
      last_failure = message;
      machinery.service.reset();
    }
    lock.lock();
    in_progress_ = 0;
  }
  lock.unlock();

  if (machinery.scheduling && machinery.queued_left > 0 && options_.hand_over_on_exit) {
    try {
      // Nobody would start the runs still queued once the studio is gone: a detached scheduler
      // (the same one `multipos launch` starts) carries on and exits when the queue is empty.
      open(machinery);
      machinery.service->set_max_concurrent(machinery.max_concurrent);
      machinery.service->hand_over();
    } catch (const std::exception&) {
      // Nowhere to report it any more; `multipos scheduler --db FILE` starts them by hand.
    }
  }
  machinery.service.reset();  // close SQLite on the thread that used it
}

}  // namespace multipos::ui
