#include "core/train/trainer.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <random>
#include <thread>

#include "core/data/dataset_factory.hpp"
#include "core/train/model_negatives.hpp"
#include "core/model/checkpoint.hpp"
#include "core/model/encoder.hpp"
#include "core/objectives/batch.hpp"
#include "core/objectives/loss.hpp"
#include "core/train/evaluation.hpp"
#include "core/train/lr_schedule.hpp"
#include "core/train/probes.hpp"
#include "core/train/scalar_writer.hpp"
#include "core/util/config_reader.hpp"
#include "core/util/rng.hpp"

namespace multipos::train {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<objectives::QueryCandidates> make_candidates(const data::Dataset& dataset) {
  std::vector<objectives::QueryCandidates> all(dataset.num_queries());
  for (size_t q = 0; q < dataset.num_queries(); ++q) {
    all[q].query_id = dataset.query_ids[q];
    for (const auto& j : dataset.judgments[q])
      all[q].positives.push_back({j.passage, j.grade, j.label_source, j.is_false_positive});
    all[q].hard_negatives.assign(dataset.hard_negatives[q].begin(), dataset.hard_negatives[q].end());
  }
  return all;
}

// Walks the training queries in a fresh seeded permutation per epoch, B at a time.
class QuerySampler {
 public:
  QuerySampler(std::vector<int32_t> queries, uint64_t seed) : queries_(std::move(queries)), rng_(seed) {
    if (queries_.empty()) throw std::invalid_argument("the training split has no queries");
    reshuffle();
  }
  std::vector<int32_t> next(int64_t count) {
    std::vector<int32_t> batch;
    while (static_cast<int64_t>(batch.size()) < count) {
      if (cursor_ == order_.size()) {
        ++epoch_;
        reshuffle();
      }
      batch.push_back(order_[cursor_++]);
      if (static_cast<int64_t>(batch.size()) == static_cast<int64_t>(queries_.size())) break;
    }
    return batch;
  }
  int64_t epoch() const { return epoch_; }
  double epoch_progress() const { return static_cast<double>(epoch_) + static_cast<double>(cursor_) / order_.size(); }

 private:
  void reshuffle() {
    order_ = queries_;
    rng_.shuffle(order_);
    cursor_ = 0;
  }
  std::vector<int32_t> queries_, order_;
  util::Rng rng_;
  size_t cursor_ = 0;
  int64_t epoch_ = 0;
};

std::vector<std::string> texts_of(const std::vector<std::string>& table, const std::vector<int64_t>& ids) {
  std::vector<std::string> texts;
  texts.reserve(ids.size());
  for (int64_t id : ids) texts.push_back(table[static_cast<size_t>(id)]);
  return texts;
}

void record_evaluation(const eval::Evaluation& result, const std::string& split, int64_t step,
                       store::RunStore& store, int64_t run_id, ScalarWriter& writer) {
  std::vector<store::EvaluationRow> rows;
  for (size_t m = 0; m < result.measures.size(); ++m) {
    std::string name = result.measures[m].name();
    rows.push_back({step, split, name, "", result.mean[m]});
    writer.add("eval/" + split + "/" + name, step, result.mean[m]);
    for (const auto& query : result.per_query) rows.push_back({step, split, name, query.query_id, query.values[m]});
  }
  store.append_evaluations(run_id, rows);
}

void configure_threads(int threads) {
  int count = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(count);
}

std::string host_name() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

TrainOutcome train_run(const TrainConfig& config, store::RunStore& store, int64_t run_id, const TrainHooks& hooks) {
  auto message = [&](const std::string& text) {
    store.log_event(run_id, "info", text);
    if (hooks.on_message) hooks.on_message(text);
  };
  configure_threads(config.threads);
  at::manual_seed(config.seed);
  store.mark_started(run_id, getpid(), host_name());  // first heartbeat before the slow loading

  data::Dataset dataset = load_training_dataset(config.dataset, "run " + std::to_string(run_id) + " config");
  std::shared_ptr<model::Encoder> encoder =
      model::make_encoder(util::ConfigReader(config.encoder, "run config", "encoder"), config.seed);
  encoder->move_to(model::preferred_device(config.device));
  encoder->train();
  torch::optim::AdamW optimizer(encoder->parameters(),
                                torch::optim::AdamWOptions(config.optimizer.lr).weight_decay(config.optimizer.weight_decay));

  const auto candidates = make_candidates(dataset);
  const auto num_passages = static_cast<int64_t>(dataset.num_passages());
  objectives::BatchOptions batch_options;
  batch_options.group_size = config.batch.group_size;
  batch_options.max_positives = config.batch.max_positives;
  batch_options.seed = config.seed;
  batch_options.label_source_names = dataset.label_sources;
  objectives::BatchBuilder builder(config.objective, batch_options, [num_passages](std::mt19937_64& rng) {
    return static_cast<int64_t>(rng() % static_cast<uint64_t>(num_passages));
  });
  QuerySampler sampler(dataset.train_queries, config.seed);
  std::mt19937_64 batch_rng(config.seed * 7919 + 17);
  ProbeSet probes = make_probe_set(dataset, candidates, config.probe, config.seed);

  store.heartbeat(run_id);
  for (const auto& note : dataset.notes) message(note);  // lenient-load skips, regime and noise reports
  message("training " + config.objective.name + " on " + dataset.name + " (" + std::to_string(dataset.train_queries.size()) +
          " training queries, " + std::to_string(num_passages) + " passages) on " + encoder->device().str());
  ScalarWriter writer(store, run_id, config.flush_every);
  TrainOutcome outcome;
  const bool cosine = config.objective.similarity == "cosine";
  std::deque<std::pair<Clock::time_point, int64_t>> recent;  // (time, examples) for throughput
  auto started = Clock::now();
  int64_t examples_seen = 0;

  for (int64_t step = 0; step < config.steps; ++step) {
    if (hooks.should_stop && hooks.should_stop()) {
      outcome.stopped_early = true;
      if (config.checkpoint.at_end && step > 0) {  // a stopped run keeps what it learned
        const std::string dir = checkpoint_dir(store.path(), run_id, "final");
        model::save_checkpoint(*encoder, dir, step - 1, to_json(config));
        store.log_event(run_id, "info", "checkpoint written to " + dir + " on stop");
      }
      break;
    }
    double lr = scheduled_lr(config.optimizer.lr, step, config.steps, config.optimizer.warmup_steps, config.optimizer.schedule);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

    std::vector<int32_t> query_indices = sampler.next(config.batch.queries);
    std::vector<objectives::QueryCandidates> batch_queries;
    std::vector<std::string> query_texts;
    for (int32_t q : query_indices) {
      batch_queries.push_back(candidates[q]);
      query_texts.push_back(dataset.query_texts[q]);
    }
    objectives::Batch batch = builder.build(batch_queries, sampler.epoch(), batch_rng);
    for (const auto& warning : batch.layout.warnings) {
      store.log_event(run_id, "warning", warning);
      if (hooks.on_message) hooks.on_message("warning: " + warning);
    }

    at::Tensor queries = encoder->encode(query_texts, model::TextRole::query);
    at::Tensor passages = encoder->encode(texts_of(dataset.passage_texts, batch.passage_ids), model::TextRole::passage);
    at::Tensor similarities = objectives::similarity_matrix(queries, passages, config.objective);
    objectives::ScoreMasks masks = objectives::make_score_masks(batch.layout, similarities.scalar_type());
    // Listwise objectives have no closed form: keep autograd's dL/dS for the diagnostics instead
    // of running a second backward pass; the others reuse the loss's row normalisers.
    const bool autograd_diagnostics = !objectives::has_closed_form_gradient(config.objective.name);
    if (autograd_diagnostics && config.diagnostics) similarities.retain_grad();
    objectives::RowNormalisers normalisers;
    at::Tensor loss = objectives::objective_loss(similarities, masks, config.objective, &normalisers);
    double loss_value = loss.item<double>();
    if (!std::isfinite(loss_value))
      throw TrainingFault("loss became " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") + " at step " +
                          std::to_string(step) + " (lower the learning rate or the temperature)");
    optimizer.zero_grad();
    loss.backward();
    if (config.optimizer.clip_norm > 0) torch::nn::utils::clip_grad_norm_(encoder->parameters(), config.optimizer.clip_norm);
    optimizer.step();

    examples_seen += static_cast<int64_t>(query_indices.size());
    auto now = Clock::now();
    recent.emplace_back(now, examples_seen);
    while (recent.size() > 20) recent.pop_front();
    double window = std::chrono::duration<double>(now - recent.front().first).count();
    double throughput = window > 0 ? static_cast<double>(examples_seen - recent.front().second) / window
                                   : static_cast<double>(examples_seen) / std::max(1e-9, std::chrono::duration<double>(now - started).count());

    writer.add("loss", step, loss_value);
    writer.add("lr", step, lr);
    writer.add("examples_per_s", step, throughput);
    writer.add("epoch", step, sampler.epoch_progress());
    if (config.diagnostics) {
      at::Tensor gradient = autograd_diagnostics ? similarities.grad() : at::Tensor();
      record_in_batch_diagnostics(similarities.detach(), gradient, normalisers, masks, batch.layout, config.objective,
                                  step, writer);
    }

    if (config.probe.every > 0 && (step % config.probe.every == 0 || step + 1 == config.steps))
      store.append_probe_rows(run_id, run_probes(probes, *encoder, dataset, config.objective, step, writer));
    bool last = step + 1 == config.steps;
    if ((config.eval.every > 0 && step > 0 && step % config.eval.every == 0) || (last && config.eval.at_end))
      record_evaluation(evaluate_encoder(*encoder, dataset, config.eval.split, cosine), config.eval.split, step, store,
                        run_id, writer);
    if ((config.checkpoint.every > 0 && (step + 1) % config.checkpoint.every == 0) || (last && config.checkpoint.at_end)) {
      const std::string dir = checkpoint_dir(store.path(), run_id, last ? "final" : "step-" + std::to_string(step + 1));
      model::save_checkpoint(*encoder, dir, step, to_json(config));
      store.log_event(run_id, "info", "checkpoint written to " + dir);
    }
    writer.end_step(step);

    outcome.steps_done = step + 1;
    outcome.final_loss = loss_value;
    if (hooks.on_progress && (step % config.print_every == 0 || last)) {
      StepProgress progress{step, config.steps, loss_value, throughput, 0};
      progress.eta_seconds = throughput > 0 ? static_cast<double>((config.steps - step - 1) * config.batch.queries) / throughput : 0;
      hooks.on_progress(progress);
    }
  }
  writer.flush();
  store.mark_finished(run_id, outcome.stopped_early ? store::RunStatus::stopped : store::RunStatus::finished);
  message(std::string(outcome.stopped_early ? "stopped" : "finished") + " after " + std::to_string(outcome.steps_done) + " steps");
  return outcome;
}

}  // namespace multipos::train
