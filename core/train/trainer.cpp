#include "core/train/trainer.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <algorithm>
#include <deque>
#include <thread>

#include "core/data/dataset_factory.hpp"
#include "core/dist/distributed_context.hpp"
#include "core/model/device_info.hpp"
#include "core/train/evaluation.hpp"
#include "core/train/gradient_cache.hpp"
#include "core/train/lr_schedule.hpp"
#include "core/train/model_negatives.hpp"
#include "core/train/run_checkpoints.hpp"
#include "core/train/stored_dataset.hpp"
#include "core/train/precision_choice.hpp"
#include "core/train/training_session.hpp"
#include "core/util/config_reader.hpp"

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

// One intra-op thread per core up to 8 (beyond, the small matrices here gain little), and one
// inter-op thread: the trainer issues one op at a time. On a 2-core machine that is 2 threads.
void configure_threads(int threads) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads > 0 ? threads : std::min(cores, 8));
  static bool interop_set = false;  // LibTorch allows setting it once, before any inter-op work
  if (!interop_set) {
    interop_set = true;
    try {
      at::set_num_interop_threads(1);
    } catch (const std::exception&) {
      // Already started by an earlier user of the pool in this process: keep its setting.
    }
  }
}

// The pid the run records: a `train --nproc` launcher passes its own, so the scheduler watching
// the worker it started sees the pid it knows.
int64_t worker_pid() {
  if (const char* launcher = std::getenv("MULTIPOS_LAUNCHER_PID"); launcher != nullptr && *launcher != '\0')
    return std::atoll(launcher);
  return getpid();
}

std::string host_name() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

void check_precision(const TrainConfig& config, const at::Device& device) {
  const std::string& precision = effective_precision(config.optimizer);
  if (precision == "fp32" || device.is_cuda()) return;
  if (precision == "fp16")
    throw util::ConfigError("field 'optimizer.precision': fp16 autocast needs a CUDA device (training on " +
                            device.str() + "); use \"bf16\" or \"fp32\" on a CPU");
}

void record_evaluation(TrainingSession& session, int64_t step, ScalarWriter& writer) {
  const TrainConfig& config = session.config;
  InspectedQueries inspected;
  inspected.step = step;
  for (const auto& probe : session.probes.queries) inspected.queries.push_back(probe.query);
  EncodeProgress progress = progress_messages([&session](const std::string& text) { session.message(text); },
                                              "evaluating on " + config.eval.split + " at step " + std::to_string(step));
  if (session.writes) progress = with_heartbeats(std::move(progress), session.store, session.run_id);
  eval::Evaluation result =
      evaluate_encoder(*session.encoder, session.dataset, config.eval.split, config.objective.similarity == "cosine",
                       100, &inspected, progress, effective_precision(config.optimizer));
  std::vector<store::EvaluationRow> rows;
  for (size_t m = 0; m < result.measures.size(); ++m) {
    std::string name = result.measures[m].name();
    rows.push_back({step, config.eval.split, name, "", result.mean[m]});
    writer.add("eval/" + config.eval.split + "/" + name, step, result.mean[m]);
    for (const auto& query : result.per_query)
      rows.push_back({step, config.eval.split, name, query.query_id, query.values[m]});
  }
  session.store.append_evaluations(session.run_id, rows);
  session.store.append_retrieved(session.run_id, inspected.rows);
  // The studio shows these passages' texts from the store (each stored once per run).
  session.store.append_passage_texts(session.run_id, retrieved_passage_texts(session.dataset, inspected.rows));
}

// What the studio shows of the dataset, stored once the dataset has loaded (a run whose dataset
// fails to load stores nothing): statistics as trained, the probe queries' texts and judgments
// and the probe passages' texts. A resumed run writes the same rows, which the store keeps once.
void record_run_dataset(TrainingSession& session) {
  std::vector<int32_t> queries;
  std::vector<int64_t> passages;
  for (const auto& probe : session.probes.queries) {
    queries.push_back(probe.query);
    passages.insert(passages.end(), probe.row.passage_ids.begin(), probe.row.passage_ids.end());
  }
  session.store.record_dataset(session.run_id, dataset_record(session.dataset, queries, passages));
}

// Resumes from the run's newest checkpoint (returns the first step to train) or prepares a
// fresh start at step 0, deleting rows an earlier attempt left.
int64_t resume_or_start(TrainingSession& session, TrainOutcome& outcome) {
  auto run = session.store.find_run(session.run_id);
  if (!run) throw std::invalid_argument(session.store.path() + ": no run " + std::to_string(session.run_id));
  const nlohmann::json resolved = to_json(session.config);
  auto checkpoint = latest_checkpoint(session.store.path(), *run);
  if (!checkpoint) {
    if (!session.writes) return 0;  // rank 0 clears the earlier attempt's rows and folders
    if (int removed = remove_foreign_checkpoints(session.store.path(), *run))
      session.message("removed " + std::to_string(removed) + " checkpoint folder(s) not written by this run");
    if (run->last_step >= 0) session.message("no checkpoint to resume from: restarting at step 0", "warning");
    session.store.delete_rows_after_step(session.run_id, -1);
    return 0;
  }
  auto fields = differing_config_fields(checkpoint->meta.value("config", nlohmann::json::object()), resolved);
  if (!fields.empty()) {
    std::string list;
    for (const auto& field : fields) list += (list.empty() ? "" : ", ") + field;
    throw ResumeError(checkpoint->dir + "/checkpoint.json: written with another config (differs at " + list + ")");
  }
  auto started = Clock::now();
  const int64_t step = load_resumable_state(checkpoint->dir, session.resumable(), resolved["encoder"]);
  if (session.writes) session.store.delete_rows_after_step(session.run_id, step);
  outcome.resumed_from_step = step;
  outcome.skipped_batches = session.faults.total_skips;
  session.message("resumed from " + checkpoint->dir + " after step " + std::to_string(step) + " (state loaded in " +
                  std::to_string(std::chrono::duration<double>(Clock::now() - started).count()) + " s)");
  return step + 1;
}

void write_checkpoint(TrainingSession& session, int64_t step, ScalarWriter& writer, bool final) {
  writer.flush();  // every row up to `step` is committed before the checkpoint that vouches for it
  auto run = session.store.find_run(session.run_id);
  const nlohmann::json identity = run_identity(*run);
  const nlohmann::json config = to_json(session.config);
  auto started = Clock::now();
  const std::string dir = commit_checkpoint(
      session.store.path(), session.run_id, final ? "final" : "step-" + std::to_string(step + 1),
      [&](const std::string& temp) { save_resumable_state(temp, session.resumable(), step, config, identity); },
      session.config.checkpoint.keep);
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  writer.add("checkpoint_seconds", step, seconds);
  session.store.log_event(session.run_id, "info", "checkpoint written to " + dir);
}

// The nonfinite policy: stop at once, or skip and count (failing after too many in a row).
void apply_nonfinite_policy(TrainingSession& session, const StepResult& result, int64_t step, ScalarWriter& writer) {
  FaultCounters& faults = session.faults;
  if (result.applied || result.overflowed) {
    if (result.applied) faults.consecutive_skips = 0;
    return;
  }
  const std::string where = result.skip_reason + " at step " + std::to_string(step);
  if (session.config.nonfinite == "stop")
    throw TrainingFault(where + " (lower the learning rate or the temperature, or set \"nonfinite\": \"skip\")");
  ++faults.consecutive_skips;
  ++faults.total_skips;
  writer.add("skipped_batches", step, static_cast<double>(faults.total_skips));
  session.message(where + ": batch skipped (" + std::to_string(faults.total_skips) + " so far)", "warning");
  if (faults.consecutive_skips >= session.config.max_consecutive_skips)
    throw TrainingFault(where + ": " + std::to_string(faults.consecutive_skips) +
                        " batches in a row were skipped (max_consecutive_skips); lower the learning rate");
}

// The run's config names the world size it was created for (the studio shows it); a group of
// another size would train something else.
void check_world_size(const TrainConfig& config, int64_t run_id, const dist::DistributedContext* distributed) {
  const int64_t joined = distributed ? distributed->world_size() : 1;
  if (joined == config.distributed.world_size) return;
  throw util::ConfigError("run " + std::to_string(run_id) + " config: field 'distributed.world_size' is " +
                          std::to_string(config.distributed.world_size) + " but " + std::to_string(joined) +
                          " process(es) train it; create the run with --set distributed.world_size=" +
                          std::to_string(joined) + " (or start it with `multipos train --run ID` alone, which "
                          "starts as many local processes as the config names)");
}

// One GPU per rank on a machine: LOCAL_RANK picks it, unless the config names one ("cuda:1").
at::Device training_device(const TrainConfig& config, const dist::DistributedContext* distributed) {
  at::Device device = model::preferred_device(config.device);
  if (distributed && device.is_cuda() && config.device.find(':') == std::string::npos)
    device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(distributed->options().local_rank));
  return device;
}

// A stop request seen by any rank stops every rank at the same step: a rank leaving alone would
// leave the others waiting in a collective.
bool stop_requested(TrainingSession& session) {
  bool stop = session.hooks.should_stop && session.hooks.should_stop();
  if (!session.distributed) return stop;
  at::Tensor flag = at::full({1}, stop ? 1.0 : 0.0, at::kFloat);
  session.distributed->all_reduce_max_(flag);
  return flag.item<float>() > 0;
}

}  // namespace

TrainingSession::TrainingSession(const TrainConfig& config_, store::RunStore& store_, int64_t run_id_,
                                 const TrainHooks& hooks_, dist::DistributedContext* distributed_)
    : config(config_),
      store(store_),
      run_id(run_id_),
      hooks(hooks_),
      distributed(distributed_),
      writes(distributed_ == nullptr || distributed_->is_main()),
      batch_rng(config_.seed * 7919 + 17) {
  configure_threads(config.threads);
  at::manual_seed(config.seed);  // the same on every rank: identical initial weights
  if (writes) store.mark_started(run_id, worker_pid(), host_name());  // first heartbeat before the slow loading
  const std::string source = "run " + std::to_string(run_id) + " config";
  dataset = load_training_dataset(config.dataset, source);
  encoder = model::make_encoder(util::ConfigReader(config.encoder, source, "encoder"), config.seed);
  check_gradient_cache(config, *encoder, source);
  encoder->move_to(training_device(config, distributed));
  if (effective_precision(config.optimizer) == "fp64") encoder->to(at::kDouble);
  check_precision(config, encoder->device());
  encoder->train();
  build_optimizer(*this, source);
  candidates = make_candidates(dataset);
  const auto num_passages = static_cast<int64_t>(dataset.num_passages());
  objectives::BatchOptions batch_options;
  batch_options.group_size = config.batch.group_size;
  batch_options.max_positives = config.batch.max_positives;
  batch_options.seed = config.seed;
  batch_options.positive_sampling = config.batch.positive_sampling;
  batch_options.label_source_names = dataset.label_sources;
  batch_options.grade_levels = objectives::grade_levels(candidates);
  builder = std::make_unique<objectives::BatchBuilder>(config.objective, batch_options, [num_passages](std::mt19937_64& rng) {
    return static_cast<int64_t>(rng() % static_cast<uint64_t>(num_passages));
  });
  sampler = std::make_unique<QuerySampler>(dataset.train_queries, config.seed);
  for (int32_t q : dataset.train_queries) training_positives += static_cast<int64_t>(candidates[q].positives.size());
  probes = make_probe_set(dataset, candidates, config.probe, config.seed);
}

void TrainingSession::message(const std::string& text, const std::string& level) {
  if (!writes) return;
  store.log_event(run_id, level, text);
  if (hooks.on_message) hooks.on_message(level == "info" ? text : level + ": " + text);
}

void build_optimizer(TrainingSession& session, const std::string& source) {
  std::vector<model::ParameterGroup> groups = session.encoder->parameter_groups();
  const auto& options = session.config.optimizer;
  const nlohmann::json optimizer_json = to_json(session.config)["optimizer"];
  std::string known;
  for (const auto& group : groups) known += (known.empty() ? "" : ", ") + group.name;
  for (const auto& [name, factor] : options.lr_multipliers) {
    bool found = std::any_of(groups.begin(), groups.end(), [&](const auto& group) { return group.name == name; });
    if (!found)
      util::ConfigReader(optimizer_json, source, "optimizer.lr_multipliers")
          .fail(name, "no parameter group of that name in the " + session.encoder->kind() + " encoder (it has: " +
                          known + ")");
  }
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  for (const auto& group : groups) {
    auto found = options.lr_multipliers.find(group.name);
    session.lr_multipliers.push_back(found == options.lr_multipliers.end() ? 1.0 : found->second);
    param_groups.emplace_back(group.parameters, std::make_unique<torch::optim::AdamWOptions>(
                                                    torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay)));
  }
  session.optimizer = std::make_unique<torch::optim::AdamW>(
      std::move(param_groups), torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
}

namespace {

// ", 2 threads, OMP_WAIT_POLICY=passive" on a CPU: the two things that decide a CPU step's speed.
std::string cpu_threading_note(const model::Encoder& encoder) {
  if (!encoder.device().is_cpu()) return "";
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  return ", " + std::to_string(at::get_num_threads()) + " threads, OMP_WAIT_POLICY=" +
         (policy ? std::string(policy) : std::string("unset (OpenMP threads spin between ops)"));
}

// optimizer.precision "auto": resolved once, on the run's first start, from the device it trains
// on; a run that already resolved it (a resume, here or on another machine) keeps its choice.
// Returns the log line that says what was chosen and why ("" when precision is not auto), and
// whether the choice was made now (then it must be stored).
struct PrecisionResolution {
  std::string note;
  bool made_now = false;
};

PrecisionResolution resolve_auto_precision(TrainConfig& config, const at::Device& device, const store::RunStore& store,
                                   int64_t run_id) {
  OptimizerConfig& optimizer = config.optimizer;
  if (optimizer.precision != "auto") return {};
  // A caller may pass the config the run was created with: the stored one holds the choice.
  if (optimizer.precision_resolved.empty())
    if (auto run = store.find_run(run_id)) {
      const nlohmann::json stored = nlohmann::json::parse(run->config_json, nullptr, false);
      if (stored.is_object() && stored.contains("optimizer") && stored["optimizer"].is_object() &&
          stored["optimizer"].contains("precision_resolved") && stored["optimizer"]["precision_resolved"].is_string())
        optimizer.precision_resolved = stored["optimizer"]["precision_resolved"].get<std::string>();
    }
  if (!optimizer.precision_resolved.empty())
    return {"precision auto: " + optimizer.precision_resolved + ", as chosen when the run first started", false};
  const PrecisionChoice choice = choose_auto_precision(precision_facts(device));
  optimizer.precision_resolved = choice.precision;
  return {"precision auto: " + choice.precision + " (" + choice.reason + ")", true};
}

}  // namespace

namespace {

// Examples per second over the last 20 steps.
class Throughput {
 public:
  double add(int64_t examples) {
    seen_ += examples;
    const auto now = Clock::now();
    recent_.emplace_back(now, seen_);
    while (recent_.size() > 20) recent_.pop_front();
    const double window = std::chrono::duration<double>(now - recent_.front().first).count();
    return window > 0 ? static_cast<double>(seen_ - recent_.front().second) / window : 0;
  }

 private:
  int64_t seen_ = 0;
  std::deque<std::pair<Clock::time_point, int64_t>> recent_;  // (time, examples seen)
};

// The log's "training <objective> on <dataset> (...)" line, after the dataset's own notes
// (lenient-load skips, regime reports).
void announce_training(TrainingSession& session, const TrainConfig& config, dist::DistributedContext* distributed) {
  for (const auto& note : session.dataset.notes) session.message(note);
  session.message("training " + config.objective.name + " on " + session.dataset.name + " (" +
                  std::to_string(session.dataset.train_queries.size()) + " training queries, " +
                  std::to_string(session.dataset.num_passages()) + " passages) on " + session.encoder->device().str() +
                  (distributed ? " x " + std::to_string(distributed->world_size()) + " processes (" +
                                     distributed->backend() + ")"
                               : std::string()));
}

// After a step: probes, dev evaluation and checkpoint when they are due. True when a checkpoint
// is due at this step (written by the process that writes).
bool probe_evaluate_checkpoint(TrainingSession& session, const TrainConfig& config, int64_t step, ScalarWriter& writer) {
  const bool last = step + 1 == config.steps;
  if (session.writes && config.probe.every > 0 && (step % config.probe.every == 0 || last))
    session.store.append_probe_rows(session.run_id,
                                    run_probes(session.probes, *session.encoder, session.dataset, config.objective, step,
                                               writer, effective_precision(config.optimizer)));
  if (session.writes &&
      ((config.eval.every > 0 && step > 0 && step % config.eval.every == 0) || (last && config.eval.at_end)))
    record_evaluation(session, step, writer);
  const bool checkpoint =
      (config.checkpoint.every > 0 && (step + 1) % config.checkpoint.every == 0) || (last && config.checkpoint.at_end);
  if (checkpoint && session.writes) write_checkpoint(session, step, writer, last);
  return checkpoint;
}

}  // namespace

TrainOutcome train_run(const TrainConfig& requested, store::RunStore& store, int64_t run_id, const TrainHooks& hooks,
                       dist::DistributedContext* distributed) {
  check_world_size(requested, run_id, distributed);
  TrainConfig config = requested;
  const PrecisionResolution precision = resolve_auto_precision(config, training_device(config, distributed), store, run_id);
  TrainingSession session(config, store, run_id, hooks, distributed);
  if (session.writes) record_run_dataset(session);
  // First line of the run's log: what it computes with (LibTorch, device, GPU, CPU threading).
  session.message(model::runtime_line(session.encoder->device()) + cpu_threading_note(*session.encoder));
  if (!precision.note.empty()) session.message(precision.note);
  // Stored before any checkpoint, so every resume reads the choice from the run's config.
  if (precision.made_now && session.writes) store.set_config(run_id, to_json(config).dump());
  TrainOutcome outcome;
  const int64_t first_step = resume_or_start(session, outcome);
  if (distributed)  // same config (a hash would say less) and same resume point on every rank
    distributed->check_same("run " + std::to_string(run_id) + " config",
                            {{"config", to_json(config)}, {"first_step", first_step}});
  if (session.writes) store.heartbeat(run_id);
  announce_training(session, config, distributed);
  ScalarWriter writer(store, run_id, config.flush_every, session.writes);
  Throughput throughput_window;
  int64_t last_checkpoint_step = first_step - 1;
  outcome.steps_done = first_step;

  for (int64_t step = first_step; step < config.steps; ++step) {
    if (stop_requested(session)) {
      outcome.stopped_early = true;
      if (session.writes && step > 0 && last_checkpoint_step != step - 1) {  // a stopped run resumes from here
        write_checkpoint(session, step - 1, writer, false);
        session.message("checkpoint written on stop after step " + std::to_string(step - 1));
      }
      break;
    }
    const double lr = scheduled_lr(config.optimizer.lr, step, config.steps, config.optimizer.warmup_steps,
                                   config.optimizer.schedule);
    StepResult result = run_train_step(session, step, lr, writer);
    apply_nonfinite_policy(session, result, step, writer);

    const double throughput = throughput_window.add(result.examples);

    if (std::isfinite(result.loss)) writer.add("loss", step, result.loss);
    writer.add("lr", step, lr);
    writer.add("examples_per_s", step, throughput);
    writer.add("epoch", step, session.sampler->epoch_progress());
    if (session.training_positives > 0)
      writer.add("data/positives_used", step,
                 static_cast<double>(session.builder->usage().used()) / static_cast<double>(session.training_positives));

    const bool last = step + 1 == config.steps;
    if (probe_evaluate_checkpoint(session, config, step, writer)) last_checkpoint_step = step;
    writer.end_step(step);

    outcome.steps_done = step + 1;
    if (std::isfinite(result.loss)) outcome.final_loss = result.loss;
    outcome.skipped_batches = session.faults.total_skips;
    if (hooks.on_progress && (step % config.print_every == 0 || last)) {
      StepProgress progress{step, config.steps, result.loss, throughput, 0};
      progress.eta_seconds =
          throughput > 0 ? static_cast<double>((config.steps - step - 1) * config.batch.queries) / throughput : 0;
      hooks.on_progress(progress);
    }
  }
  writer.flush();
  if (session.writes)
    store.mark_finished(run_id, outcome.stopped_early ? store::RunStatus::stopped : store::RunStatus::finished);
  session.message(std::string(outcome.stopped_early ? "stopped" : "finished") + " after " +
                  std::to_string(outcome.steps_done) + " steps");
  return outcome;
}

}  // namespace multipos::train
