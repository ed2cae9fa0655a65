#include "core/train/stored_dataset.hpp"

#include "core/data/dataset_stats.hpp"

namespace multipos::train {

namespace {

// Indices of the wanted ids in `ids`, found in one pass (the wanted set is small, the corpus not).
std::vector<int64_t> indices_of(const std::vector<std::string>& ids, const std::set<std::string>& wanted,
                                std::size_t* unknown) {
  std::vector<int64_t> found;
  if (wanted.empty()) return found;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (wanted.count(ids[i])) found.push_back(static_cast<int64_t>(i));
  if (unknown && found.size() < wanted.size()) *unknown += wanted.size() - found.size();
  return found;
}

}  // namespace

store::RunDatasetRecord dataset_record(const data::Dataset& dataset, const std::vector<int32_t>& queries,
                                       const std::vector<int64_t>& passages) {
  store::RunDatasetRecord record;
  // Names and notes come from the data's files: invalid UTF-8 is replaced rather than refused.
  record.stats_json =
      data::stats_to_json(data::compute_stats(dataset)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::set<int64_t> listed(passages.begin(), passages.end());
  std::set<int32_t> seen_queries;
  for (int32_t query : queries) {
    const auto q = static_cast<std::size_t>(query);
    if (q >= dataset.num_queries() || !seen_queries.insert(query).second) continue;
    record.queries.push_back({dataset.query_ids[q], dataset.query_texts[q]});
    for (const data::Judgment& judgment : dataset.judgments[q]) {
      const auto source = static_cast<std::size_t>(judgment.label_source);
      record.judgments.push_back(
          {dataset.query_ids[q], dataset.passage_ids[static_cast<std::size_t>(judgment.passage)], judgment.grade,
           source < dataset.label_sources.size() ? dataset.label_sources[source] : "", judgment.is_false_positive});
      listed.insert(judgment.passage);
    }
  }
  for (int64_t passage : listed) {
    const auto p = static_cast<std::size_t>(passage);
    if (p < dataset.num_passages()) record.passages.push_back({dataset.passage_ids[p], dataset.passage_texts[p]});
  }
  return record;
}

store::RunDatasetRecord dataset_record_for_ids(const data::Dataset& dataset, const std::set<std::string>& query_ids,
                                               const std::set<std::string>& passage_ids, std::size_t* unknown) {
  std::vector<int32_t> queries;
  for (int64_t q : indices_of(dataset.query_ids, query_ids, unknown)) queries.push_back(static_cast<int32_t>(q));
  return dataset_record(dataset, queries, indices_of(dataset.passage_ids, passage_ids, unknown));
}

std::vector<store::StoredText> retrieved_passage_texts(const data::Dataset& dataset,
                                                       const std::vector<store::RetrievedRow>& rows) {
  std::set<std::string> wanted;
  for (const auto& row : rows) wanted.insert(row.passage_id);
  std::vector<store::StoredText> texts;
  for (int64_t p : indices_of(dataset.passage_ids, wanted, nullptr))
    texts.push_back(
        {dataset.passage_ids[static_cast<std::size_t>(p)], dataset.passage_texts[static_cast<std::size_t>(p)]});
  return texts;
}

StoredIds stored_ids(const store::RunStore& store, int64_t run_id) {
  StoredIds ids;
  const std::vector<int64_t> probe_steps = store.probe_steps(run_id);
  if (!probe_steps.empty()) {
    for (const auto& row : store.probe_rows(run_id, probe_steps.front())) {
      ids.queries.insert(row.query_id);
      ids.passages.insert(row.passage_id);
    }
  }
  for (int64_t step : store.retrieved_steps(run_id)) {
    for (const auto& row : store.retrieved(run_id, step, "")) {
      ids.queries.insert(row.query_id);
      ids.passages.insert(row.passage_id);
    }
  }
  return ids;
}

}  // namespace multipos::train
