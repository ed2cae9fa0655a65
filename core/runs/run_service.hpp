// The one run service every front drives: the CLI's `launch` / `scheduler` / `resume` / `stop`,
// the study command, and the studio (through ui/background/run_control's thin adapter). Requests
// go in keyed by run id (queue new runs, stop, cancel, kill, resume, delete, move in the queue,
// notes); what happened comes out as RunEvents; `tick()` is the scheduler step (reap dead workers,
// start queued runs up to the limit) and `run_until()` the loop around it that the fronts used to
// write three times. The conversion of a training config into a new store row is here too
// (`new_run_row`), and so is handing the queue over to a detached `multipos scheduler` process.
// Thread-safety: one RunService per thread (it owns a read-write RunStore). Several services, in
// several processes, may drive one database: claiming a queued run is one write transaction.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/runs/scheduler.hpp"
#include "core/runs/worker_launcher.hpp"
#include "core/store/run_store.hpp"

namespace multipos::train {
struct TrainConfig;
}

namespace multipos::runs {

struct RunEvent {
  enum class Kind {
    queued,       // a new run is in the queue
    requeued,     // a stopped or failed run is queued again (resumes from its checkpoint)
    started,      // a worker started it (pid)
    failed,       // reaped: its worker died or went silent, or could not be started (text: why)
    stopping,     // SIGTERM sent to its worker (pid); it stops after its current step
    cancelled,    // a queued run was marked stopped before it started
    killed,       // SIGKILL sent and the run marked failed at once
    moved,        // its place in the queue changed (position)
    notes_saved,  // tags and notes replaced
    deleted,      // its rows, checkpoints and log removed (text: the files removed)
  };
  Kind kind = Kind::queued;
  int64_t run_id = 0;
  int64_t pid = 0;       // started, stopping
  int64_t position = 0;  // moved
  std::string text;      // failed: the reason; deleted: the files removed; requeued: the checkpoint
};

// Checks that a run may resume before it is queued again and returns a description of where it
// resumes from (e.g. the checkpoint folder); throws with the reason when it may not. The CLI passes
// train::check_resumable; without one, resume only asks the store (a stopped or failed run).
using ResumeCheck = std::function<std::string(const store::RunStore&, int64_t run_id)>;

struct RunServiceOptions {
  std::string database;           // made absolute
  std::string worker_executable;  // "" = this executable (current_executable())
  SchedulerOptions scheduler;
  ResumeCheck resume_check;
  // A test's fake; nullptr = a WorkerLauncher of worker_executable on database.
  std::shared_ptr<WorkerControl> control;
};

// One store row for a resolved training config: name, objective, dataset label, the config JSON,
// seed, group and total steps. The CLI, studies and the studio all create runs through it.
store::NewRun new_run_row(const train::TrainConfig& config, const std::string& group_id);

class RunService {
 public:
  explicit RunService(RunServiceOptions options);
  ~RunService();
  RunService(const RunService&) = delete;
  RunService& operator=(const RunService&) = delete;

  store::RunStore& store() { return *store_; }
  const std::string& database() const { return options_.database; }
  const std::string& executable() const { return executable_; }
  const SchedulerOptions& scheduler_options() const { return scheduler_.options(); }
  void set_max_concurrent(int max_concurrent) { scheduler_.set_max_concurrent(max_concurrent); }

  // Requests. Each throws RunControlError (or the store's StoreError) when the run's state does
  // not allow it, changing nothing, and otherwise records one event.
  int64_t queue(const store::NewRun& row);
  std::vector<int64_t> queue(const std::vector<train::TrainConfig>& configs, const std::string& group_id);
  // Records `queued` events for runs another path created in store() (the studio's run factory).
  void note_queued(const std::vector<int64_t>& run_ids);
  // A running run: SIGTERM, returns the pid. A queued run: cancelled, returns 0.
  int64_t stop(int64_t run_id);
  void cancel(int64_t run_id);
  void kill(int64_t run_id);
  // Checks (resume_check) and queues a stopped or failed run again; returns the check's text.
  std::string resume(int64_t run_id);
  // Deletes a run that is not running: its rows, <db>.checkpoints/run-<id> and <db>.logs/run-<id>.log.
  void remove(int64_t run_id);
  // Moves a queued run to `position` (1 = next; past the end = last); returns where it landed.
  int64_t move(int64_t run_id, int64_t position);
  void set_notes(int64_t run_id, const std::string& tags, const std::string& notes);

  // One scheduler step: reaps dead workers, starts queued runs up to the limit.
  TickReport tick();
  // The last tick left nothing queued or running here, and every worker started here was reaped.
  bool drained() const;
  // Workers started by this service that have not been reaped yet.
  size_t live_workers() const { return control_->live_children(); }

  std::vector<RunEvent> take_events();

  // The command line of a detached scheduler for this database and limit.
  std::vector<std::string> scheduler_argv() const;
  // Starts that scheduler (log <db>.logs/scheduler.log) so the queue carries on without this
  // process; returns its pid. Throws LaunchError.
  int64_t hand_over() const;
  std::string scheduler_log() const;

 private:
  void emit(RunEvent event);

  RunServiceOptions options_;
  std::string executable_;
  std::unique_ptr<store::RunStore> store_;
  std::shared_ptr<WorkerControl> control_;
  Scheduler scheduler_;
  std::optional<TickReport> last_tick_;
  std::vector<RunEvent> events_;
};

// SIGINT and SIGTERM set a flag instead of ending the process (installed once per process; the
// foreground loops check it). Running workers are in their own sessions and carry on.
void install_quit_handlers();
bool quit_requested();

enum class LoopEnd { done, interrupted };

struct LoopOptions {
  double tick_seconds = 1.0;
  // After each tick, with its report: true ends the loop. Default: service.drained().
  std::function<bool(RunService&, const TickReport&)> done;
  // After each tick, the events it (and any request since the last tick) recorded.
  std::function<void(const std::vector<RunEvent>&)> on_events;
};

// Ticks every tick_seconds until `done` or quit_requested() (when handlers are installed).
LoopEnd run_until(RunService& service, const LoopOptions& options);

}  // namespace multipos::runs
