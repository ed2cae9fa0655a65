#include "core/train/baseline.hpp"

#include "core/data/dataset_factory.hpp"
#include "core/train/model_negatives.hpp"
#include "core/eval/bm25.hpp"
#include "core/train/evaluation.hpp"
#include "core/train/stored_dataset.hpp"
#include "core/model/encoder.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::train {

namespace {

// Creates the baseline run, scores it with `rank` (dataset -> evaluation of the eval split) and
// stores aggregate and per-query metrics at step 0, plus flat "eval/<split>/..." series over the
// config's steps so curves show the baseline as a line. Marks the run failed if anything throws.
template <typename Rank>
int64_t record_baseline(const TrainConfig& config, store::RunStore& store, const std::string& group_id,
                        const std::string& kind, const nlohmann::json& extra, Rank rank) {
  store::NewRun run;
  run.name = kind;
  run.objective = kind;
  run.dataset = dataset_label(config);
  nlohmann::json baseline = {{"baseline", kind}, {"dataset", config.dataset}, {"eval", {{"split", config.eval.split}}}};
  baseline.update(extra);
  run.config_json = baseline.dump();
  run.seed = static_cast<int64_t>(config.seed);
  run.group_id = group_id;
  run.total_steps = 1;
  const int64_t id = store.create_run(run);
  try {
    store.mark_started(id, 0, "");
    data::Dataset dataset = load_training_dataset(config.dataset, kind + " baseline config");
    store.record_dataset(id, dataset_record(dataset, {}, {}));  // the studio's Dataset tab
    eval::Evaluation result = rank(dataset);
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

}  // namespace

int64_t record_bm25_baseline(const TrainConfig& config, store::RunStore& store, const std::string& group_id) {
  return record_baseline(config, store, group_id, "bm25", nlohmann::json::object(), [&](const data::Dataset& dataset) {
    eval::Bm25Index index(dataset.passage_ids, dataset.passage_texts);
    std::vector<std::string> query_ids, query_texts;
    for (int32_t query : dataset.split(config.eval.split)) {
      query_ids.push_back(dataset.query_ids[query]);
      query_texts.push_back(dataset.query_texts[query]);
    }
    return eval::evaluate(split_qrels(dataset, config.eval.split), index.search(query_ids, query_texts, 100),
                          eval::parse_measures(training_measures()));
  });
}

int64_t record_untrained_baseline(const TrainConfig& config, store::RunStore& store, const std::string& group_id,
                                  const std::function<void(const std::string&)>& say) {
  const nlohmann::json extra = {{"encoder", config.encoder}, {"objective", to_json(config)["objective"]}, {"seed", config.seed}};
  return record_baseline(config, store, group_id, "untrained", extra, [&](const data::Dataset& dataset) {
    std::shared_ptr<model::Encoder> encoder =
        model::make_encoder(util::ConfigReader(config.encoder, "untrained baseline config", "encoder"), config.seed);
    encoder->move_to(model::preferred_device(config.device));
    encoder->eval();
    const std::string what =
        "untrained " + config.encoder.value("kind", std::string("encoder")) + " encoder on " + config.eval.split;
    const std::string precision = evaluation_precision(config.optimizer, encoder->device());
    if (say) say(what + ": encoding in " + precision);
    return evaluate_encoder(*encoder, dataset, config.eval.split, config.objective.similarity == "cosine", 100, nullptr,
                            progress_messages(say, what), precision);
  });
}

}  // namespace multipos::train
