// Probe rows for the query inspector, read by a StoreWorker (its own thread and read-only
// RunStore) so the UI thread never waits on SQLite. The UI asks (run index, or one run/step/query)
// and gets nullptr until the answer has arrived; answers are cached (probe rows never change once
// written). Requests go in through a queue, results come back keyed by what was asked.
// Thread-safety: every public method is for the UI thread; the worker touches only the queue and
// the inbox under mutex_, and its own RunStore.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/store/run_store.hpp"
#include "ui/background/store_worker.hpp"

namespace multipos::ui {

// What the inspector needs to know about one run's probes.
struct ProbeIndex {
  std::vector<int64_t> steps;           // ascending
  std::vector<std::string> query_ids;   // probe queries, read at the first probe step
  std::vector<int64_t> retrieved_steps; // steps with stored retrieved lists (dev evaluations)
  std::string error;                    // set when reading failed (names the file)
};

class ProbeCache {
 public:
  explicit ProbeCache(std::string db_path);
  ~ProbeCache();  // stops and joins the worker
  ProbeCache(const ProbeCache&) = delete;
  ProbeCache& operator=(const ProbeCache&) = delete;

  // Moves finished answers from the worker into the cache; call once per frame.
  void sync();
  // nullptr until loaded (the first call queues the read).
  const ProbeIndex* index(int64_t run_id);
  // Re-read the run's index (its probe steps grew while it trains); the old one stays visible.
  void refresh_index(int64_t run_id);
  // One query's rows at one step, positives first; nullptr until loaded.
  const std::vector<store::ProbeRow>* rows(int64_t run_id, int64_t step, const std::string& query_id);
  // One query's retrieved list (top-k by rank) at one of retrieved_steps; nullptr until loaded.
  const std::vector<store::RetrievedRow>* retrieved(int64_t run_id, int64_t step, const std::string& query_id);
  // Requests not answered yet (for a "loading" hint and for tests).
  std::size_t pending() const { return pending_; }
  // The latest read failure of a row request ("" once a read succeeds); such answers are not
  // cached, so the next frame asks again.
  const std::string& last_error() const { return last_error_; }

 private:
  using RowsKey = std::tuple<int64_t, int64_t, std::string>;
  struct Request {
    bool index = false;
    RowsKey key;
    bool retrieved = false;  // the retrieved list of key rather than its probe rows
  };
  struct Answer {
    Request request;
    ProbeIndex index;
    std::vector<store::ProbeRow> rows;
    std::vector<store::RetrievedRow> retrieved;
    std::string error;
  };

  void enqueue(Request request);
  static Answer answer(store::RunStore& store, const Request& request);

  const std::string db_path_;
  // UI thread only.
  std::map<int64_t, ProbeIndex> indexes_;
  std::map<RowsKey, std::vector<store::ProbeRow>> rows_;
  std::map<int64_t, bool> index_requested_;
  std::map<RowsKey, bool> rows_requested_;
  std::map<RowsKey, std::vector<store::RetrievedRow>> retrieved_;
  std::map<RowsKey, bool> retrieved_requested_;
  std::size_t pending_ = 0;
  std::string last_error_;
  // Shared with the worker, guarded by mutex_.
  std::mutex mutex_;
  std::vector<Answer> inbox_;
  // Newest first: when the user drags the step slider, the step now shown matters most.
  StoreWorker worker_;  // last: its jobs use the inbox
};

}  // namespace multipos::ui
