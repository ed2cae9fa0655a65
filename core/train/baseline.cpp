#include "core/train/baseline.hpp"

#include "core/data/dataset_factory.hpp"
#include "core/train/model_negatives.hpp"
#include "core/eval/bm25.hpp"
#include "core/train/evaluation.hpp"

namespace multipos::train {

int64_t record_bm25_baseline(const TrainConfig& config, store::RunStore& store, const std::string& group_id) {
  store::NewRun run;
  run.name = "bm25";
  run.objective = "bm25";
  run.dataset = dataset_label(config);
  nlohmann::json baseline = {{"baseline", "bm25"}, {"dataset", config.dataset}, {"eval", {{"split", config.eval.split}}}};
  run.config_json = baseline.dump();
  run.seed = static_cast<int64_t>(config.seed);
  run.group_id = group_id;
  run.total_steps = 1;
  const int64_t id = store.create_run(run);
  try {
    store.mark_started(id, 0, "");
    data::Dataset dataset = load_training_dataset(config.dataset, "bm25 baseline config");
    eval::Bm25Index index(dataset.passage_ids, dataset.passage_texts);
    std::vector<std::string> query_ids, query_texts;
    for (int32_t query : dataset.split(config.eval.split)) {
      query_ids.push_back(dataset.query_ids[query]);
      query_texts.push_back(dataset.query_texts[query]);
    }
    auto result = eval::evaluate(split_qrels(dataset, config.eval.split), index.search(query_ids, query_texts, 100),
                                 eval::parse_measures(training_measures()));
    std::vector<store::EvaluationRow> rows;
    std::vector<store::ScalarRow> series;
    const double now = store::now_seconds();
    for (size_t m = 0; m < result.measures.size(); ++m) {
      const std::string name = result.measures[m].name();
      rows.push_back({0, config.eval.split, name, "", result.mean[m]});
      for (const auto& query : result.per_query) rows.push_back({0, config.eval.split, name, query.query_id, query.values[m]});
      for (int64_t step : {int64_t{0}, std::max<int64_t>(0, config.steps - 1)})
        series.push_back({"eval/" + config.eval.split + "/" + name, step, now, result.mean[m]});
    }
    store.append_evaluations(id, rows);
    store.append_scalars(id, series);
    store.mark_finished(id, store::RunStatus::finished);
  } catch (const std::exception& error) {
    store.mark_finished(id, store::RunStatus::failed, error.what());
    throw;
  }
  return id;
}

}  // namespace multipos::train
