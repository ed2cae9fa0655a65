#include "ui/background/compare_cache.hpp"

#include <memory>
#include <set>
#include <utility>

namespace multipos::ui {

CompareCache::CompareCache(std::string db_path)
    : db_path_(std::move(db_path)), worker_({db_path_, StoreWorker::Order::latest_only, {}, nullptr, nullptr}) {}

CompareCache::~CompareCache() = default;

void CompareCache::deliver(CompareResult result) {
  std::lock_guard<std::mutex> lock(mutex_);
  inbox_ = std::move(result);
}

uint64_t CompareCache::request(CompareQuery query) {
  const uint64_t generation = ++requested_generation_;
  auto shared = std::make_shared<const CompareQuery>(std::move(query));
  worker_.post([this, shared, generation](store::RunStore& store) { deliver(answer(store, *shared, generation)); },
               [this, generation](const StoreFailure& failure) {
                 scores_.clear();  // read afresh once the store opens again
                 CompareResult result;
                 result.generation = generation;
                 result.error = failure.message;
                 deliver(std::move(result));
               });
  return generation;
}

void CompareCache::sync() {
  std::optional<CompareResult> answer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    answer.swap(inbox_);
  }
  if (!answer) return;
  answered_generation_ = std::max(answered_generation_, answer->generation);
  result_ = std::move(answer);
}

CompareResult CompareCache::answer(store::RunStore& store, const CompareQuery& query, uint64_t generation) {
  CompareResult result;
  result.generation = generation;
  std::map<int64_t, RunScores> scores;
  std::set<int64_t> wanted;
  for (const auto& run : query.runs) {
    wanted.insert(run.id);
    CachedScores& cached = scores_[run.id];
    // Evaluation rows only appear while a run trains: re-read when it moved on or changed state.
    const bool stale = cached.scores.run_id != run.id || cached.status != run.status ||
                       cached.last_step != run.last_step;
    if (stale) {
      const std::string split = eval_split_of(run.config_json);
      cached.scores = scores_from_rows(run.id, split, store.evaluations(run.id, split));
      cached.status = run.status;
      cached.last_step = run.last_step;
    }
    scores[run.id] = cached.scores;
  }
  // Keep the cache to what is compared now, so a long session does not accumulate every run.
  for (auto it = scores_.begin(); it != scores_.end();) {
    it = wanted.count(it->first) ? std::next(it) : scores_.erase(it);
  }
  result.table = build_compare_table(query.runs, scores, query.baseline_run_id, query.options);
  result.diff = config_diff(query.diff_runs);
  return result;
}

}  // namespace multipos::ui
