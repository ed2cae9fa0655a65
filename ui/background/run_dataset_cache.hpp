// What the studio shows of runs' datasets, read from the run store (never from the dataset's
// files, which may be gone): the statistics the worker stored when the run started, the probe
// queries' texts and judgments (as the run trained: label regime and noise applied) and the texts
// of probe and retrieved passages. A StoreWorker (its own thread and read-only RunStore) reads one
// run per request, so the UI thread never waits on SQLite; the UI asks with a run id and gets nullptr
// until the answer has arrived. A run still training adds rows (texts of newly retrieved
// passages, or everything once it starts): refresh() reads it again, the old entry staying
// visible meanwhile.
// Thread-safety: public methods are for the UI thread; the worker shares only the queue and inbox
// (under mutex_) and owns its RunStore. A finished entry is immutable; pointers returned by get()
// stay valid until the next sync().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/store/dataset_record.hpp"
#include "core/store/run_store.hpp"
#include "ui/background/store_worker.hpp"

namespace multipos::ui {

struct RunDataset {
  int64_t run_id = 0;
  std::string error;       // reading failed, or the stored statistics do not parse (names the file)
  double seconds = 0;      // time the read took
  bool has_stats = false;  // false: a run recorded before the store kept datasets, or not started
  store::DatasetStats stats;
  std::size_t probe_steps = 0, retrieved_steps = 0;  // what the store held when this was read
  std::unordered_map<std::string, std::string> query_texts, passage_texts;

  bool has_texts() const { return !query_texts.empty() || !passage_texts.empty(); }
  bool empty() const { return !has_stats && !has_texts(); }
  // "" when the id is not stored.
  const std::string& passage_text(const std::string& passage_id) const;
  const std::string& query_text(const std::string& query_id) const;
  // How the run's dataset judges a passage for a stored query (as the run trained).
  struct Relevance {
    bool judged = false;  // a positive of the query
    float grade = 0;
    bool false_positive = false;
  };
  Relevance relevance(const std::string& query_id, const std::string& passage_id) const;

  std::map<std::pair<std::string, std::string>, Relevance> judgments;  // (query, passage) -> positive
};

// Reads one run's record (what the worker runs; public for tests). Throws StoreError.
std::shared_ptr<const RunDataset> read_run_dataset(const store::RunStore& store, int64_t run_id);

// Whether a run config names a dataset (BM25 baselines and hand-made runs may not).
bool config_names_dataset(const std::string& config_json);

// The command that stores a run's dataset record after the fact (shown for older runs).
std::string store_texts_command(const std::string& db_path, int64_t run_id);

class RunDatasetCache {
 public:
  explicit RunDatasetCache(std::string db_path);
  ~RunDatasetCache();  // stops and joins the worker (after the read in progress, if any)
  RunDatasetCache(const RunDatasetCache&) = delete;
  RunDatasetCache& operator=(const RunDatasetCache&) = delete;

  // Moves finished reads into the cache; call once per frame.
  void sync();
  // The run's record; nullptr until read (the first call queues the read).
  const RunDataset* get(int64_t run_id);
  // Reads the run again (its rows grew); ignored while a read of it is in flight.
  void refresh(int64_t run_id);
  bool loading() const { return !in_flight_.empty(); }
  const std::string& db_path() const { return db_path_; }

 private:
  void enqueue(int64_t run_id);

  const std::string db_path_;
  // UI thread only.
  std::map<int64_t, std::shared_ptr<const RunDataset>> read_;
  std::map<int64_t, bool> in_flight_;
  // Shared with the worker's jobs, guarded by mutex_.
  std::mutex mutex_;
  std::vector<std::shared_ptr<const RunDataset>> inbox_;
  StoreWorker worker_;  // last: its jobs use the inbox
};

}  // namespace multipos::ui
