#include "ui/background/dataset_cache.hpp"

#include <chrono>
#include <exception>

#include <nlohmann/json.hpp>

#include "core/data/dataset_factory.hpp"

namespace multipos::ui {

namespace {

const std::string kEmpty;

std::unordered_map<std::string, int32_t> index_of(const std::vector<std::string>& ids) {
  std::unordered_map<std::string, int32_t> index;
  index.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) index.emplace(ids[i], static_cast<int32_t>(i));
  return index;
}

}  // namespace

const std::string& LoadedDataset::passage_text(const std::string& passage_id) const {
  const auto found = passage_index.find(passage_id);
  return found == passage_index.end() ? kEmpty : dataset.passage_texts[static_cast<std::size_t>(found->second)];
}

const std::string& LoadedDataset::query_text(const std::string& query_id) const {
  const auto found = query_index.find(query_id);
  return found == query_index.end() ? kEmpty : dataset.query_texts[static_cast<std::size_t>(found->second)];
}

LoadedDataset::Relevance LoadedDataset::relevance(const std::string& query_id, const std::string& passage_id) const {
  const auto query = query_index.find(query_id);
  const auto passage = passage_index.find(passage_id);
  if (query == query_index.end() || passage == passage_index.end()) return {};
  for (const data::Judgment& judgment : dataset.judgments[static_cast<std::size_t>(query->second)]) {
    if (judgment.passage == passage->second && judgment.grade > 0) {
      return {true, judgment.grade, judgment.is_false_positive};
    }
  }
  return {};
}

std::string dataset_spec_of(const std::string& config_json) {
  const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object()) return "";
  const auto dataset = config.find("dataset");
  return dataset != config.end() && dataset->is_object() ? dataset->dump() : "";
}

std::shared_ptr<const LoadedDataset> load_dataset_entry(const std::string& spec) {
  auto entry = std::make_shared<LoadedDataset>();
  entry->spec = spec;
  const auto started = std::chrono::steady_clock::now();
  try {
    // The same spec the worker trained with, so regime and noise show as the run saw them
    // (BM25 hard negatives come from the cache the run filled).
    entry->dataset = data::load_dataset(nlohmann::json::parse(spec), "the run's config (dataset)");
    entry->stats = data::compute_stats(entry->dataset);
    entry->passage_index = index_of(entry->dataset.passage_ids);
    entry->query_index = index_of(entry->dataset.query_ids);
  } catch (const std::exception& error) {
    entry->error = error.what();
  }
  entry->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return entry;
}

DatasetCache::DatasetCache(std::size_t max_entries) : max_entries_(max_entries), thread_([this] { run(); }) {}

DatasetCache::~DatasetCache() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DatasetCache::sync() {
  std::vector<std::shared_ptr<const LoadedDataset>> answers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    answers.swap(inbox_);
  }
  for (auto& answer : answers) {
    const std::string spec = answer->spec;
    if (pending_ > 0) --pending_;
    if (answer->superseded) {
      requested_.erase(spec);  // asked again if it is wanted again
      continue;
    }
    loaded_[spec] = std::move(answer);
    load_order_.push_back(spec);
  }
  while (max_entries_ > 0 && loaded_.size() > max_entries_ && !load_order_.empty()) {
    // Forgotten specs may be asked for again: they load anew.
    loaded_.erase(load_order_.front());
    requested_.erase(load_order_.front());
    load_order_.pop_front();
  }
}

const LoadedDataset* DatasetCache::get(const std::string& config_json) {
  const std::string spec = dataset_spec_of(config_json);
  return spec.empty() ? nullptr : get_spec(spec);
}

const LoadedDataset* DatasetCache::get_spec(const std::string& spec) {
  const auto found = loaded_.find(spec);
  if (found != loaded_.end()) return found->second.get();
  if (!requested_[spec]) {
    requested_[spec] = true;
    ++pending_;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(spec);
    }
    wake_.notify_all();
  }
  return nullptr;
}

void DatasetCache::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    // A bounded cache follows a form being edited: only the newest request is worth loading.
    while (max_entries_ > 0 && queue_.size() > 1) {
      auto skipped = std::make_shared<LoadedDataset>();
      skipped->spec = queue_.front();
      skipped->superseded = true;
      inbox_.push_back(std::move(skipped));
      queue_.pop_front();
    }
    const std::string spec = queue_.front();
    queue_.pop_front();
    lock.unlock();
    auto entry = load_dataset_entry(spec);
    lock.lock();
    inbox_.push_back(std::move(entry));
  }
}

}  // namespace multipos::ui
