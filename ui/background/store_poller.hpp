// Background reader of the run store: a StoreWorker (its own thread and read-only RunStore) polls
// for new scalar rows (by row id), the run list and new events, and leaves them in a mutex-guarded
// inbox the UI thread empties once per frame. The UI thread never waits on SQLite.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"
#include "ui/background/store_worker.hpp"

namespace multipos::ui {

// State of the connection to the database, as shown in the status bar.
struct StoreHealth {
  enum class State { connecting, connected, missing, failed };
  State state = State::connecting;
  std::string message;  // why, for missing and failed (names the file)
};

// Everything read since the UI thread last took the inbox.
struct StoreUpdate {
  bool has_runs = false;                    // runs holds the latest full list
  std::vector<store::RunRecord> runs;
  std::vector<store::ScalarPoint> points;   // row_id ascending, never seen before
  std::vector<store::EventRow> events;
  bool health_changed = false;
  StoreHealth health;
  double polled_at = 0;                     // unix seconds of the latest poll, 0 = none yet
};

class StorePoller {
 public:
  // Starts polling `db_path` at once and then every `interval`.
  explicit StorePoller(std::string db_path,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~StorePoller();  // stops and joins the thread
  StorePoller(const StorePoller&) = delete;
  StorePoller& operator=(const StorePoller&) = delete;

  // UI thread: moves the inbox out (cheap when nothing arrived).
  StoreUpdate take_update();
  // Asks for a poll now instead of at the next tick (after a launch, or in tests).
  void request_poll();
  const std::string& db_path() const { return db_path_; }

 private:
  void read_new_data(store::RunStore& store);
  void failed(const StoreFailure& failure);
  void set_health(StoreHealth::State state, std::string message);

  const std::string db_path_;
  // Touched by the worker's jobs only.
  int64_t last_row_id_ = 0;
  int64_t last_event_id_ = 0;
  StoreHealth health_;
  bool reported_health_ = false;
  // Shared with the UI thread, guarded by mutex_.
  std::mutex mutex_;
  StoreUpdate inbox_;
  StoreWorker worker_;  // last: its jobs use every member above
};

}  // namespace multipos::ui
