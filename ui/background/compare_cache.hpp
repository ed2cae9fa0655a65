// Background work of the compare tab: a StoreWorker (its own thread and read-only RunStore) reads each
// run's evaluation rows, keeps them per run until the run's status or step moves, and builds the
// compare table and config diff (the randomization tests cost up to a few hundred milliseconds on
// large splits, so they never run on the UI thread). Requests go in as a value; only the newest
// waiting request is worked on; results come back tagged with the request's generation.
// Thread-safety: every public method is for the UI thread; the worker owns its store and cache.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"
#include "ui/background/store_worker.hpp"
#include "ui/models/compare_model.hpp"

namespace multipos::ui {

struct CompareQuery {
  std::vector<store::RunRecord> runs;       // rows of the table, the baseline among them
  int64_t baseline_run_id = 0;
  std::vector<store::RunRecord> diff_runs;  // runs whose configs are diffed
  CompareOptions options;
};

struct CompareResult {
  uint64_t generation = 0;  // of the request answered
  CompareTable table;
  ConfigDiff diff;
  std::string error;        // reading failed (names the file); table and diff then stay empty
};

class CompareCache {
 public:
  explicit CompareCache(std::string db_path);
  ~CompareCache();  // stops and joins the worker
  CompareCache(const CompareCache&) = delete;
  CompareCache& operator=(const CompareCache&) = delete;

  // Queues `query`, replacing one still waiting; returns its generation.
  uint64_t request(CompareQuery query);
  // Moves a finished answer in; call once per frame.
  void sync();
  // The latest answer, nullptr before the first.
  const CompareResult* result() const { return result_ ? &*result_ : nullptr; }
  // A request is waiting or being worked on.
  bool busy() const { return answered_generation_ < requested_generation_; }

 private:
  struct CachedScores {
    std::string status;
    int64_t last_step = -1;
    RunScores scores;
  };

  CompareResult answer(store::RunStore& store, const CompareQuery& query, uint64_t generation);
  void deliver(CompareResult result);

  const std::string db_path_;
  // UI thread only.
  std::optional<CompareResult> result_;
  uint64_t requested_generation_ = 0;
  uint64_t answered_generation_ = 0;
  // The worker's jobs only.
  std::map<int64_t, CachedScores> scores_;
  // Shared, guarded by mutex_.
  std::mutex mutex_;
  std::optional<CompareResult> inbox_;
  // Only the newest waiting query: an older one is outdated.
  StoreWorker worker_;  // last: its jobs use every member above
};

}  // namespace multipos::ui
