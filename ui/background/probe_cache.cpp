#include "ui/background/probe_cache.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace multipos::ui {

namespace {
// Probe tables are small, but a long session stepping through many queries should not grow
// without bound: past this many cached (run, step, query) answers the cache starts afresh.
constexpr std::size_t kMaxCachedRows = 4096;
}  // namespace

ProbeCache::ProbeCache(std::string db_path)
    : db_path_(std::move(db_path)), worker_({db_path_, StoreWorker::Order::newest_first, {}, nullptr, nullptr}) {}

ProbeCache::~ProbeCache() = default;

void ProbeCache::enqueue(Request request) {
  ++pending_;
  auto deliver = [this](Answer answer) {
    std::lock_guard<std::mutex> lock(mutex_);
    inbox_.push_back(std::move(answer));
  };
  worker_.post([request, deliver](store::RunStore& store) { deliver(answer(store, request)); },
               [request, deliver](const StoreFailure& failure) {
                 Answer failed;
                 failed.request = request;
                 failed.index.error = failure.message;
                 failed.error = failure.message;
                 deliver(std::move(failed));
               });
}

void ProbeCache::sync() {
  std::vector<Answer> answers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    answers.swap(inbox_);
  }
  for (auto& answer : answers) {
    pending_ -= std::min<std::size_t>(pending_, 1);
    if (answer.request.index) {
      const int64_t run_id = std::get<0>(answer.request.key);
      indexes_[run_id] = std::move(answer.index);
      index_requested_.erase(run_id);
    } else if (!answer.error.empty()) {
      last_error_ = answer.error;
      (answer.request.retrieved ? retrieved_requested_ : rows_requested_).erase(answer.request.key);
    } else if (answer.request.retrieved) {
      last_error_.clear();
      if (retrieved_.size() >= kMaxCachedRows) retrieved_.clear();
      retrieved_[answer.request.key] = std::move(answer.retrieved);
      retrieved_requested_.erase(answer.request.key);
    } else {
      last_error_.clear();
      if (rows_.size() >= kMaxCachedRows) rows_.clear();
      rows_[answer.request.key] = std::move(answer.rows);
      rows_requested_.erase(answer.request.key);
    }
  }
}

const ProbeIndex* ProbeCache::index(int64_t run_id) {
  const auto found = indexes_.find(run_id);
  if (found != indexes_.end()) return &found->second;
  if (!index_requested_[run_id]) {
    index_requested_[run_id] = true;
    enqueue({true, {run_id, 0, ""}, false});
  }
  return nullptr;
}

void ProbeCache::refresh_index(int64_t run_id) {
  if (index_requested_[run_id]) return;
  index_requested_[run_id] = true;
  enqueue({true, {run_id, 0, ""}, false});
}

const std::vector<store::ProbeRow>* ProbeCache::rows(int64_t run_id, int64_t step, const std::string& query_id) {
  RowsKey key{run_id, step, query_id};
  const auto found = rows_.find(key);
  if (found != rows_.end()) return &found->second;
  bool& requested = rows_requested_[key];
  if (!requested) {
    requested = true;
    enqueue({false, std::move(key), false});
  }
  return nullptr;
}

const std::vector<store::RetrievedRow>* ProbeCache::retrieved(int64_t run_id, int64_t step,
                                                               const std::string& query_id) {
  RowsKey key{run_id, step, query_id};
  const auto found = retrieved_.find(key);
  if (found != retrieved_.end()) return &found->second;
  bool& requested = retrieved_requested_[key];
  if (!requested) {
    requested = true;
    Request request{false, std::move(key), true};
    enqueue(std::move(request));
  }
  return nullptr;
}

ProbeCache::Answer ProbeCache::answer(store::RunStore& store, const Request& request) {
  Answer answer;
  answer.request = request;
  const auto& [run_id, step, query_id] = request.key;
  if (request.index) {
    answer.index.steps = store.probe_steps(run_id);
    if (!answer.index.steps.empty()) {
      std::set<std::string> ids;
      for (const auto& row : store.probe_rows(run_id, answer.index.steps.front())) ids.insert(row.query_id);
      answer.index.query_ids.assign(ids.begin(), ids.end());
    }
    try {
      answer.index.retrieved_steps = store.retrieved_steps(run_id);
    } catch (const store::StoreError&) {
      // A store from before retrieved lists existed (schema 1, opened read-only): none stored.
    }
    return answer;
  }
  if (request.retrieved) {
    answer.retrieved = store.retrieved(run_id, step, query_id);
    return answer;
  }
  answer.rows = store.probe_rows(run_id, step, query_id);
  std::stable_sort(answer.rows.begin(), answer.rows.end(),
                   [](const store::ProbeRow& a, const store::ProbeRow& b) { return a.is_positive > b.is_positive; });
  return answer;
}

}  // namespace multipos::ui
