#include "ui/background/compare_cache.hpp"

#include <filesystem>
#include <set>
#include <utility>

namespace multipos::ui {

CompareCache::CompareCache(std::string db_path) : db_path_(std::move(db_path)), thread_([this] { run(); }) {}

CompareCache::~CompareCache() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

uint64_t CompareCache::request(CompareQuery query) {
  const uint64_t generation = ++requested_generation_;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.emplace(generation, std::move(query));  // an older waiting query is outdated: drop it
  }
  wake_.notify_all();
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

CompareResult CompareCache::answer(const CompareQuery& query, uint64_t generation) {
  CompareResult result;
  result.generation = generation;
  if (!store_) {
    if (!std::filesystem::exists(db_path_)) throw store::StoreError("no run store at " + db_path_);
    store_ = std::make_unique<store::RunStore>(db_path_, store::RunStore::Mode::read_only);
  }
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
      cached.scores = scores_from_rows(run.id, split, store_->evaluations(run.id, split));
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

void CompareCache::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || waiting_.has_value(); });
    if (stop_) break;
    auto [generation, query] = std::move(*waiting_);
    waiting_.reset();
    lock.unlock();
    CompareResult result;
    try {
      result = answer(query, generation);
    } catch (const std::exception& error) {
      store_.reset();  // reopen at the next request (the file may appear or unlock)
      scores_.clear();
      result = CompareResult{};
      result.generation = generation;
      result.error = error.what();
    }
    lock.lock();
    inbox_ = std::move(result);
  }
  lock.unlock();
  store_.reset();  // close SQLite on the thread that used it
}

}  // namespace multipos::ui
