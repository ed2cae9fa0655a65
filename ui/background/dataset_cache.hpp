// Runs' datasets for the query inspector (query and passage texts) and the Dataset tab
// (statistics): loaded by a worker thread through core/data's torch-free loaders, once per
// dataset config, so the UI thread never waits for a load. The UI asks with a run's config_json
// and gets nullptr until the load has finished; an entry then holds the dataset or the error.
// Thread-safety: public methods are for the UI thread; the worker shares only the queue and inbox
// (under mutex_). A finished entry is immutable, so the UI reads it without locking; pointers
// returned by get() stay valid until the next sync().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/data/dataset_stats.hpp"

namespace multipos::ui {

struct LoadedDataset {
  std::string spec;    // the dataset JSON it was loaded from
  std::string error;   // set when loading failed: the loader's message (file:line: field)
  double seconds = 0;  // load + statistics time
  bool superseded = false;  // skipped: a newer request came first (bounded caches only)
  data::Dataset dataset;
  data::DatasetStats stats;
  std::unordered_map<std::string, int32_t> passage_index, query_index;

  // "" when the id is unknown.
  const std::string& passage_text(const std::string& passage_id) const;
  const std::string& query_text(const std::string& query_id) const;
  // How the dataset judges a passage for a query (as the run trained: regime and noise applied).
  struct Relevance {
    bool judged = false;  // a positive of the query
    float grade = 0;
    bool false_positive = false;
  };
  Relevance relevance(const std::string& query_id, const std::string& passage_id) const;
};

// The dataset object of a run config as the cache key ("" when the config has none).
std::string dataset_spec_of(const std::string& config_json);
// Loads and indexes one dataset spec (what the worker runs; public for tests).
std::shared_ptr<const LoadedDataset> load_dataset_entry(const std::string& spec);

class DatasetCache {
 public:
  // `max_entries` > 0 keeps only that many loaded datasets (the oldest go first, at sync()): for
  // a cache that checks every edit of a form. 0 = keep every dataset asked for.
  explicit DatasetCache(std::size_t max_entries = 0);
  ~DatasetCache();  // stops and joins the worker (after the load in progress, if any)
  DatasetCache(const DatasetCache&) = delete;
  DatasetCache& operator=(const DatasetCache&) = delete;

  // Moves finished loads into the cache; call once per frame.
  void sync();
  // The dataset of a run's config; nullptr until loaded (the first call queues the load).
  const LoadedDataset* get(const std::string& config_json);
  // The same for a dataset spec itself (the "dataset" object as JSON text).
  const LoadedDataset* get_spec(const std::string& spec);
  bool loading() const { return pending_ > 0; }

 private:
  void run();

  // UI thread only.
  const std::size_t max_entries_;
  std::map<std::string, std::shared_ptr<const LoadedDataset>> loaded_;
  std::deque<std::string> load_order_;  // specs of loaded_, oldest first
  std::map<std::string, bool> requested_;
  std::size_t pending_ = 0;
  // Shared with the worker, guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::vector<std::shared_ptr<const LoadedDataset>> inbox_;
  bool stop_ = false;
  std::thread thread_;  // last: started once every member above exists
};

}  // namespace multipos::ui
