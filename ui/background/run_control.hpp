// The studio's hands on training: a thin adapter that runs core/runs' RunService (the same one
// the CLI and studies drive) on a thread of its own. It creates the runs the "New runs" panel asks
// for, stops, cancels, resumes and deletes runs, and once something was launched ticks the service
// every second, so queued runs start as background worker processes (their own sessions: they
// survive the studio). When the studio closes with runs still queued, the service hands the queue
// to a detached `multipos scheduler`. Requests go in through a queue; the service's events come
// back as log messages, with the ids of created runs.
// Thread-safety: public methods are for the UI thread; the thread owns the store and scheduler.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ui/models/launch_request.hpp"
#include "ui/studio_log.hpp"

namespace multipos::runs {
class RunService;
}

namespace multipos::ui {

struct RunControlOptions {
  std::string db_path;
  std::string worker_executable;   // "" = this executable (runs::current_executable())
  RunFactory factory;
  double tick_seconds = 1.0;
  bool hand_over_on_exit = true;   // spawn `<exe> scheduler` for runs still queued at exit
};

struct ControlMessage {
  LogLevel level = LogLevel::info;
  std::string text;
};

class RunControl {
 public:
  explicit RunControl(RunControlOptions options);
  ~RunControl();  // stops and joins the thread; running workers carry on
  RunControl(const RunControl&) = delete;
  RunControl& operator=(const RunControl&) = delete;

  // Creates the runs (through the factory) and starts scheduling.
  void launch(LaunchRequest request);
  // SIGTERM to a running run's worker (it stops after its current step), or cancels a queued run.
  void stop(int64_t run_id);
  // Cancels a queued run (marks it stopped before it started).
  void cancel(int64_t run_id);
  // Puts a stopped or failed run back in the queue (it resumes from its last checkpoint) and
  // starts scheduling.
  void resume(int64_t run_id);
  // Replaces the run's tags and notes.
  void set_notes(int64_t run_id, std::string tags, std::string notes);
  // Deletes a run that is not running: its rows, its checkpoint folder <db>.checkpoints/run-<id>
  // and its log <db>.logs/run-<id>.log.
  void remove(int64_t run_id);

  std::vector<ControlMessage> take_messages();
  // Ids of runs created since the last call, so the studio can select them.
  std::vector<int64_t> take_created();
  // Requests not done yet (tests wait for 0).
  std::size_t pending() const;
  bool can_launch() const { return options_.factory.available(); }

 private:
  struct Command {
    enum class Kind { launch, stop, cancel, resume, set_notes, remove } kind = Kind::launch;
    LaunchRequest request;
    int64_t run_id = 0;
    std::string tags, notes;  // set_notes
  };

  struct Machinery;

  void enqueue(Command command);
  void run();
  void open(Machinery& machinery);
  void execute(Machinery& machinery, const Command& command);
  void forward_events(runs::RunService& service);
  void say(LogLevel level, std::string text);

  const RunControlOptions options_;
  // Shared with the thread, guarded by mutex_.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Command> commands_;
  std::size_t in_progress_ = 0;
  std::vector<ControlMessage> messages_;
  std::vector<int64_t> created_;
  bool stop_ = false;
  std::thread thread_;  // last: started once every member above exists
};

}  // namespace multipos::ui
