#include "core/study/study_runner.hpp"

#include <filesystem>
#include <optional>

#include "core/data/dataset_factory.hpp"
#include "core/train/baseline.hpp"
#include "core/train/train_config.hpp"

namespace multipos::study {

void validate_study(const StudySpec& spec) {
  const std::vector<PlannedRun> planned = plan_study(spec);
  for (const auto& run : planned)
    train::train_config_from_json(run.config, "study " + spec.name + " (" + run.cell.key() + ")");
  for (uint64_t seed : spec.seeds)
    train::train_config_from_json(baseline_config(spec, seed), "study " + spec.name + " (baseline)");
  if (!planned.empty()) data::load_dataset(planned.front().config["dataset"], "study " + spec.name + " dataset");
}

StudyState open_study_state(const StudySpec& spec, const std::string& directory) {
  if (!std::filesystem::exists(study_state_path(directory))) return StudyState{spec, {}, 0, {}};
  StudyState state = load_study_state(directory);
  const auto differences = differing_fields(state.spec, spec);
  if (!differences.empty()) {
    std::string fields;
    for (const auto& field : differences) fields += (fields.empty() ? "" : ", ") + field;
    throw StudyError("study '" + spec.name + "' already exists in " + directory + " with another grid (differs in: " +
                     fields + "); pass --name to start a new study, or repeat the original options to continue it");
  }
  return state;
}

int queue_study_runs(const StudySpec& spec, StudyState& state, runs::RunService& service,
                     const std::string& directory, const Say& say) {
  store::RunStore& store = service.store();
  int queued = 0;
  for (const auto& planned : plan_study(spec)) {
    const std::string key = planned.cell.key();
    auto known = state.runs.count(key) ? store.find_run(state.runs[key]) : std::nullopt;
    if (known && (known->status == "finished" || known->status == "running" || known->status == "queued")) continue;
    if (known) {
      try {
        service.resume(known->id);  // from its last checkpoint
        ++queued;
        continue;
      } catch (const std::exception& error) {
        say("run " + std::to_string(known->id) + " (" + key + ") cannot resume (" + error.what() +
            "): starting it afresh");
      }
    }
    const train::TrainConfig config = train::train_config_from_json(planned.config, "study " + spec.name);
    state.runs[key] = service.queue(runs::new_run_row(config, planned.group_id));
    save_study_state(state, directory);  // after each run: an interruption leaves no unknown run
    ++queued;
  }
  return queued;
}

void record_study_baselines(const StudySpec& spec, StudyState& state, store::RunStore& store,
                            const std::string& directory, const Say& say) {
  auto finished = [&](int64_t id) {
    auto run = id > 0 ? store.find_run(id) : std::nullopt;
    return run && run->status == "finished";
  };
  const std::string group = "study:" + spec.name;
  if (!finished(state.bm25_run)) {
    say("scoring the BM25 baseline");
    state.bm25_run = train::record_bm25_baseline(
        train::train_config_from_json(baseline_config(spec, spec.seeds.front()), "study " + spec.name), store, group);
    save_study_state(state, directory);
  }
  for (uint64_t seed : spec.seeds) {
    if (finished(state.untrained_runs[seed])) continue;
    say("scoring the untrained encoder (seed " + std::to_string(seed) + ")");
    state.untrained_runs[seed] = train::record_untrained_baseline(
        train::train_config_from_json(baseline_config(spec, seed), "study " + spec.name), store, group, say);
    save_study_state(state, directory);
  }
}

StudyProgress study_progress(const StudyState& state, const store::RunStore& store) {
  StudyProgress progress;
  for (const auto& [key, id] : state.runs) {
    auto run = store.find_run(id);
    ++progress.total;
    if (!run) continue;
    if (run->status == "finished") ++progress.finished;
    else if (run->status == "queued" || run->status == "running") ++progress.active;
    else ++progress.failed;
  }
  return progress;
}

bool schedule_study(runs::RunService& service, const StudyState& state, const Say& say) {
  runs::install_quit_handlers();
  int last_finished = -1;
  runs::LoopOptions loop;
  loop.tick_seconds = 0.5;
  loop.on_events = [&](const std::vector<runs::RunEvent>& events) {
    for (const auto& event : events)
      if (event.kind == runs::RunEvent::Kind::failed) say("run " + std::to_string(event.run_id) + " failed: " + event.text);
  };
  loop.done = [&](runs::RunService& ticked, const runs::TickReport&) {
    const StudyProgress progress = study_progress(state, ticked.store());
    if (progress.finished != last_finished) {
      say("study: " + std::to_string(progress.finished) + "/" + std::to_string(progress.total) + " runs finished, " +
          std::to_string(progress.active) + " queued or running, " + std::to_string(progress.failed) +
          " failed or stopped");
      last_finished = progress.finished;
    }
    return progress.active == 0 && ticked.live_workers() == 0;
  };
  return runs::run_until(service, loop) == runs::LoopEnd::done;
}

}  // namespace multipos::study
