#include "ui/background/run_dataset_cache.hpp"

#include <chrono>
#include <exception>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace multipos::ui {

namespace {

const std::string kEmpty;

}  // namespace

const std::string& RunDataset::passage_text(const std::string& passage_id) const {
  const auto found = passage_texts.find(passage_id);
  return found == passage_texts.end() ? kEmpty : found->second;
}

const std::string& RunDataset::query_text(const std::string& query_id) const {
  const auto found = query_texts.find(query_id);
  return found == query_texts.end() ? kEmpty : found->second;
}

RunDataset::Relevance RunDataset::relevance(const std::string& query_id, const std::string& passage_id) const {
  const auto found = judgments.find({query_id, passage_id});
  return found == judgments.end() ? Relevance{} : found->second;
}

std::shared_ptr<const RunDataset> read_run_dataset(const store::RunStore& store, int64_t run_id) {
  const auto started = std::chrono::steady_clock::now();
  auto entry = std::make_shared<RunDataset>();
  entry->run_id = run_id;
  // Counted before the record, so rows written meanwhile make the next comparison ask again.
  entry->probe_steps = store.probe_steps(run_id).size();
  try {
    entry->retrieved_steps = store.retrieved_steps(run_id).size();
  } catch (const store::StoreError&) {
    // A store from before retrieved lists existed (schema 1, opened read-only): none stored.
  }
  store::RunDatasetRecord record = store.dataset_record(run_id);
  if (!record.stats_json.empty()) {
    const std::string source = store.path() + ": run " + std::to_string(run_id) + " dataset statistics";
    const nlohmann::json stats = nlohmann::json::parse(record.stats_json, nullptr, false);
    try {
      if (stats.is_discarded()) throw std::invalid_argument(source + ": not valid JSON");
      entry->stats = store::stats_from_json(stats, source);
      entry->has_stats = true;
    } catch (const std::exception& error) {
      entry->error = error.what();
    }
  }
  for (auto& text : record.queries) entry->query_texts.emplace(std::move(text.id), std::move(text.text));
  for (auto& text : record.passages) entry->passage_texts.emplace(std::move(text.id), std::move(text.text));
  for (const auto& judgment : record.judgments) {
    if (judgment.grade <= 0) continue;  // a judged non-relevant passage is no positive
    entry->judgments[{judgment.query_id, judgment.passage_id}] = {true, static_cast<float>(judgment.grade),
                                                                  judgment.is_false_positive};
  }
  entry->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return entry;
}

bool config_names_dataset(const std::string& config_json) {
  const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object()) return false;
  const auto dataset = config.find("dataset");
  return dataset != config.end() && dataset->is_object();
}

std::string store_texts_command(const std::string& db_path, int64_t run_id) {
  return "multipos data store-texts --db \"" + db_path + "\" --run " + std::to_string(run_id);
}

RunDatasetCache::RunDatasetCache(std::string db_path)
    : db_path_(std::move(db_path)), worker_({db_path_, StoreWorker::Order::oldest_first, {}, nullptr, nullptr}) {}

RunDatasetCache::~RunDatasetCache() = default;

void RunDatasetCache::sync() {
  std::vector<std::shared_ptr<const RunDataset>> answers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    answers.swap(inbox_);
  }
  for (auto& answer : answers) {
    const int64_t run_id = answer->run_id;
    in_flight_.erase(run_id);
    read_[run_id] = std::move(answer);
  }
}

void RunDatasetCache::enqueue(int64_t run_id) {
  in_flight_[run_id] = true;
  auto deliver = [this](std::shared_ptr<const RunDataset> entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    inbox_.push_back(std::move(entry));
  };
  worker_.post([run_id, deliver](store::RunStore& store) { deliver(read_run_dataset(store, run_id)); },
               [run_id, deliver](const StoreFailure& failure) {
                 auto failed = std::make_shared<RunDataset>();
                 failed->run_id = run_id;
                 failed->error = failure.message;
                 deliver(std::move(failed));
               });
}

const RunDataset* RunDatasetCache::get(int64_t run_id) {
  const auto found = read_.find(run_id);
  if (found != read_.end()) return found->second.get();
  if (!in_flight_.count(run_id)) enqueue(run_id);
  return nullptr;
}

void RunDatasetCache::refresh(int64_t run_id) {
  if (!in_flight_.count(run_id)) enqueue(run_id);
}

}  // namespace multipos::ui
