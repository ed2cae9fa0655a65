// Resume with identical results: a run stopped (or crashed) part-way and resumed from its last
// checkpoint stores the same loss at every step, bit for bit, as an uninterrupted run with the
// same seed; plus the refusals, the nonfinite policy, out-of-memory messages and the trainer
// options of issue #9 (accumulation, per-group learning rates, precision).
#include <gtest/gtest.h>

#include <c10/util/Exception.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>

#include "core/model/encoder.hpp"
#include "core/train/run_checkpoints.hpp"
#include "core/train/trainer.hpp"
#include "core/util/config_reader.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStore;
using multipos::train::TrainConfig;
using multipos::train::TrainHooks;

namespace {

nlohmann::json tiny_config(const std::string& objective = "infonce") {
  return {
      {"objective", {{"name", objective}, {"similarity", "cosine"}, {"temperature", 0.05}}},
      {"dataset", {{"kind", "synthetic"}, {"topics", 4}, {"subtopics_per_topic", 3}, {"queries_per_subtopic", 4}, {"seed", 4}}},
      {"encoder", {{"kind", "bag"}, {"buckets", 2048}, {"embedding_dim", 16}}},
      {"batch", {{"queries", 6}, {"group_size", 4}, {"max_positives", 3}}},
      {"optimizer", {{"lr", 0.02}, {"warmup_steps", 3}}},
      {"probe", {{"every", 7}, {"queries", 3}, {"negatives", 4}}},
      {"eval", {{"every", 10}, {"split", "dev"}, {"at_end", true}}},
      {"checkpoint", {{"every", 5}}},
      {"steps", 30},
      {"seed", 9},
      {"device", "cpu"},
      {"threads", 1},
      {"flush_every", 4},
  };
}

int64_t create(RunStore& store, const TrainConfig& config) {
  multipos::store::NewRun run;
  run.name = run.objective = config.objective.name;
  run.dataset = "synthetic";
  run.config_json = multipos::train::to_json(config).dump();
  run.total_steps = config.steps;
  return store.create_run(run);
}

// Every stored point of a series by step; fails the test on a step stored twice.
std::map<int64_t, double> series(const RunStore& store, int64_t run_id, const std::string& name) {
  std::map<int64_t, double> points;
  for (const auto& point : store.scalars_after(0, run_id)) {
    if (point.name != name) continue;
    EXPECT_TRUE(points.emplace(point.step, point.value).second) << name << " step " << point.step << " stored twice";
  }
  return points;
}

struct Reference {
  std::map<int64_t, double> loss, ndcg;
  double final_loss = 0;
};

Reference uninterrupted(const nlohmann::json& json) {
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto config = multipos::train::train_config_from_json(json, "test");
  int64_t id = create(store, config);
  auto outcome = multipos::train::train_run(config, store, id, {});
  return {series(store, id, "loss"), series(store, id, "eval/dev/ndcg_cut_10"), outcome.final_loss};
}

void expect_same_series(const std::map<int64_t, double>& expected, const std::map<int64_t, double>& actual,
                        const std::string& name) {
  ASSERT_EQ(expected.size(), actual.size()) << name;
  for (const auto& [step, value] : expected) {
    ASSERT_TRUE(actual.count(step)) << name << " step " << step << " missing";
    EXPECT_EQ(value, actual.at(step)) << name << " step " << step << " differs (bitwise comparison)";
  }
}

}  // namespace

TEST(Resume, StopAndResumeGivesBitwiseTheSameLossAtEveryStep) {
  const Reference reference = uninterrupted(tiny_config());
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto config = multipos::train::train_config_from_json(tiny_config(), "test");
  int64_t id = create(store, config);
  int64_t polled = 0;
  TrainHooks stop_at_17;
  stop_at_17.should_stop = [&] { return ++polled > 17; };  // steps 0..16 run, then a stop checkpoint
  auto first = multipos::train::train_run(config, store, id, stop_at_17);
  ASSERT_TRUE(first.stopped_early);
  EXPECT_EQ(store.find_run(id)->status, "stopped");
  ASSERT_NO_THROW(multipos::train::check_resumable(store, id));
  store.requeue(id);
  auto second = multipos::train::train_run(config, store, id, {});
  EXPECT_EQ(second.resumed_from_step, 16);
  EXPECT_EQ(second.final_loss, reference.final_loss);
  expect_same_series(reference.loss, series(store, id, "loss"), "loss");
  expect_same_series(reference.ndcg, series(store, id, "eval/dev/ndcg_cut_10"), "ndcg");
  EXPECT_EQ(store.find_run(id)->status, "finished");
}

// batch.positive_sampling (issue #24): the sampled positives and data/positives_used continue
// exactly after a resume; rotate ends up using more positives than first.
TEST(Resume, PositiveSamplingRotateAndRandomResumeBitwise) {
  std::map<std::string, double> used_at_end;
  for (const std::string scheme : {"first", "rotate", "random"}) {
    auto json = tiny_config("jointlh");
    json["batch"]["positive_sampling"] = scheme;
    json["batch"]["max_positives"] = 2;
    multipos::testing::TempDir reference_dir;
    RunStore reference_store(reference_dir.file("runs.sqlite"));
    auto config = multipos::train::train_config_from_json(json, "test");
    const int64_t reference_id = create(reference_store, config);
    multipos::train::train_run(config, reference_store, reference_id, {});

    multipos::testing::TempDir dir;
    RunStore store(dir.file("runs.sqlite"));
    const int64_t id = create(store, config);
    int64_t polled = 0;
    TrainHooks stop_at_17;
    stop_at_17.should_stop = [&] { return ++polled > 17; };
    ASSERT_TRUE(multipos::train::train_run(config, store, id, stop_at_17).stopped_early);
    store.requeue(id);
    EXPECT_EQ(multipos::train::train_run(config, store, id, {}).resumed_from_step, 16);
    expect_same_series(series(reference_store, reference_id, "loss"), series(store, id, "loss"), scheme + " loss");
    const auto used = series(store, id, "data/positives_used");
    expect_same_series(series(reference_store, reference_id, "data/positives_used"), used,
                       scheme + " data/positives_used");
    ASSERT_EQ(used.size(), 30u);
    for (auto it = std::next(used.begin()); it != used.end(); ++it)
      EXPECT_GE(it->second, std::prev(it)->second) << scheme << ": the share never shrinks";
    used_at_end[scheme] = used.rbegin()->second;
  }
  EXPECT_GT(used_at_end["rotate"], used_at_end["first"]);
  EXPECT_GT(used_at_end["random"], used_at_end["first"]);
  EXPECT_LE(used_at_end["rotate"], 1.0);
}

TEST(Resume, CrashAfterACheckpointResumesFromItAndDropsTheLaterRows) {
  const Reference reference = uninterrupted(tiny_config("lsepair"));
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto config = multipos::train::train_config_from_json(tiny_config("lsepair"), "test");
  int64_t id = create(store, config);
  TrainHooks crash;
  crash.before_step = [](int64_t step) {
    if (step == 23) throw std::runtime_error("simulated crash");
  };
  EXPECT_THROW(multipos::train::train_run(config, store, id, crash), std::runtime_error);
  EXPECT_GE(series(store, id, "loss").rbegin()->first, 20) << "rows after the step-19 checkpoint were stored";
  auto checkpoints = multipos::train::list_checkpoints(store.path(), id);
  ASSERT_EQ(checkpoints.size(), 2u) << "only the last two step checkpoints are kept";
  EXPECT_EQ(checkpoints.back().step, 19);
  EXPECT_EQ(checkpoints.front().step, 14);
  auto second = multipos::train::train_run(config, store, id, {});
  EXPECT_EQ(second.resumed_from_step, 19);
  EXPECT_EQ(second.final_loss, reference.final_loss);
  expect_same_series(reference.loss, series(store, id, "loss"), "loss");
  EXPECT_EQ(store.probe_steps(id), (std::vector<int64_t>{0, 7, 14, 21, 28, 29}));
}

TEST(Resume, RefusesAnotherConfigAndAMissingCheckpointLeavingTheStoreUnchanged) {
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto json = tiny_config();
  json["checkpoint"] = {{"every", 0}, {"at_end", false}};
  auto config = multipos::train::train_config_from_json(json, "test");
  int64_t id = create(store, config);
  TrainHooks crash;
  crash.before_step = [](int64_t step) {
    if (step == 4) throw std::runtime_error("simulated crash");
  };
  EXPECT_THROW(multipos::train::train_run(config, store, id, crash), std::runtime_error);
  store.mark_finished(id, multipos::store::RunStatus::failed, "simulated crash");
  try {
    multipos::train::check_resumable(store, id);
    FAIL() << "no checkpoint, yet resumable";
  } catch (const multipos::train::ResumeError& error) {
    EXPECT_NE(std::string(error.what()).find("no checkpoint"), std::string::npos) << error.what();
  }

  // A stop writes a checkpoint; then someone edits the run's stored config.
  int64_t other = create(store, config);
  int64_t polled = 0;
  TrainHooks stop;
  stop.should_stop = [&] { return ++polled > 6; };
  multipos::train::train_run(config, store, other, stop);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store.path().c_str(), &db), SQLITE_OK);
  auto edited = multipos::train::to_json(config);
  edited["optimizer"]["lr"] = 0.5;
  edited["batch"]["queries"] = 5;
  edited["print_every"] = 3;  // does not change training: not a difference
  std::string sql = "UPDATE runs SET config_json = '" + edited.dump() + "' WHERE id = " + std::to_string(other);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto rows_before = store.scalars_after(0, other).size();
  try {
    multipos::train::check_resumable(store, other);
    FAIL() << "another config, yet resumable";
  } catch (const multipos::train::ResumeError& error) {
    std::string what = error.what();
    EXPECT_NE(what.find("/optimizer/lr"), std::string::npos) << what;
    EXPECT_NE(what.find("/batch/queries"), std::string::npos) << what;
    EXPECT_EQ(what.find("print_every"), std::string::npos) << what;
  }
  EXPECT_EQ(store.find_run(other)->status, "stopped");
  EXPECT_EQ(store.scalars_after(0, other).size(), rows_before);
  EXPECT_THROW(store.requeue(id + 100), multipos::store::StoreError);
}

TEST(TrainingFaults, NonfiniteLossStopsOrSkipsAndCounts) {
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto json = tiny_config();
  json["steps"] = 12;
  TrainHooks nan_at_5;
  nan_at_5.inject_nonfinite_loss = [](int64_t step) { return step == 5; };
  auto stop_config = multipos::train::train_config_from_json(json, "test");
  try {
    multipos::train::train_run(stop_config, store, create(store, stop_config), nan_at_5);
    FAIL() << "NaN loss did not stop the run";
  } catch (const multipos::train::TrainingFault& error) {
    EXPECT_NE(std::string(error.what()).find("NaN at step 5"), std::string::npos) << error.what();
  }

  json["nonfinite"] = "skip";
  auto skip_config = multipos::train::train_config_from_json(json, "test");
  int64_t id = create(store, skip_config);
  auto outcome = multipos::train::train_run(skip_config, store, id, nan_at_5);
  EXPECT_EQ(outcome.steps_done, 12);
  EXPECT_EQ(outcome.skipped_batches, 1);
  auto skipped = series(store, id, "skipped_batches");
  EXPECT_EQ(skipped, (std::map<int64_t, double>{{5, 1.0}}));
  auto loss = series(store, id, "loss");
  EXPECT_EQ(loss.size(), 11u);
  EXPECT_FALSE(loss.count(5)) << "a skipped batch has no loss point";
  EXPECT_TRUE(std::isfinite(outcome.final_loss));

  json["max_consecutive_skips"] = 3;
  auto strict = multipos::train::train_config_from_json(json, "test");
  TrainHooks nan_from_2;
  nan_from_2.inject_nonfinite_loss = [](int64_t step) { return step >= 2; };
  try {
    multipos::train::train_run(strict, store, create(store, strict), nan_from_2);
    FAIL() << "endless NaN did not stop the run";
  } catch (const multipos::train::TrainingFault& error) {
    EXPECT_NE(std::string(error.what()).find("3 batches in a row"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("step 4"), std::string::npos) << error.what();
  }
}

TEST(TrainingFaults, OutOfMemoryNamesTheBatchSizeToLower) {
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto config = multipos::train::train_config_from_json(tiny_config(), "test");
  TrainHooks oom;
  oom.before_step = [](int64_t step) {
    TORCH_CHECK(step != 2, "CUDA out of memory. Tried to allocate 2.00 GiB");
  };
  try {
    multipos::train::train_run(config, store, create(store, config), oom);
    FAIL();
  } catch (const multipos::train::TrainingFault& error) {
    std::string what = error.what();
    EXPECT_NE(what.find("out of memory"), std::string::npos) << what;
    EXPECT_NE(what.find("batch.queries = 6"), std::string::npos) << what;
    EXPECT_NE(what.find("e.g. to 3"), std::string::npos) << what;
  }
}

TEST(TrainerOptions, AccumulationMultipliersAndPrecision) {
  multipos::testing::TempDir dir;
  RunStore store(dir.file("runs.sqlite"));
  auto json = tiny_config();
  json["steps"] = 8;
  json["checkpoint"] = {{"every", 0}, {"at_end", true}};
  // k mini-batches per step: the sampler walks k times as far per step.
  auto plain_config = multipos::train::train_config_from_json(json, "test");
  int64_t plain = create(store, plain_config);
  multipos::train::train_run(plain_config, store, plain, {});
  json["optimizer"]["accumulation_steps"] = 2;
  auto accumulated_config = multipos::train::train_config_from_json(json, "test");
  int64_t accumulated = create(store, accumulated_config);
  multipos::train::train_run(accumulated_config, store, accumulated, {});
  auto plain_epoch = series(store, plain, "epoch"), accumulated_epoch = series(store, accumulated, "epoch");
  EXPECT_DOUBLE_EQ(accumulated_epoch.at(3), plain_epoch.at(7));
  EXPECT_EQ(series(store, accumulated, "loss").size(), 8u);

  // A zero multiplier on every group the encoder declares freezes it: the probe scores never move.
  json["optimizer"]["accumulation_steps"] = 1;
  json["optimizer"]["lr_multipliers"] = nlohmann::json::object();
  auto encoder = multipos::model::make_encoder(multipos::util::ConfigReader(json["encoder"], "test"), 1);
  for (const auto& group : encoder->parameter_groups()) json["optimizer"]["lr_multipliers"][group.name] = 0.0;
  auto frozen_config = multipos::train::train_config_from_json(json, "test");
  int64_t frozen = create(store, frozen_config);
  multipos::train::train_run(frozen_config, store, frozen, {});
  auto first = store.probe_rows(frozen, 0), last = store.probe_rows(frozen, 7);
  ASSERT_EQ(first.size(), last.size());
  ASSERT_FALSE(first.empty());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].score, last[i].score) << "frozen weights moved";
  auto moving_first = store.probe_rows(plain, 0), moving_last = store.probe_rows(plain, 7);
  EXPECT_NE(moving_first.front().score, moving_last.front().score) << "multiplier 1 trains";
  json["optimizer"]["lr_multipliers"] = {{"no_such_group", 0.1}};
  auto unknown = multipos::train::train_config_from_json(json, "test");
  try {
    multipos::train::train_run(unknown, store, create(store, unknown), {});
    FAIL();
  } catch (const multipos::util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("optimizer.lr_multipliers.no_such_group"), std::string::npos) << error.what();
  }

  json["optimizer"].erase("lr_multipliers");
  json["optimizer"]["precision"] = "fp16";
  auto fp16 = multipos::train::train_config_from_json(json, "test");
  try {
    multipos::train::train_run(fp16, store, create(store, fp16), {});
    FAIL();
  } catch (const multipos::util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("optimizer.precision"), std::string::npos) << error.what();
  }
  json["optimizer"]["precision"] = "bf16";  // CPU autocast in bf16 works in LibTorch 1.13
  auto bf16 = multipos::train::train_config_from_json(json, "test");
  auto outcome = multipos::train::train_run(bf16, store, create(store, bf16), {});
  EXPECT_EQ(outcome.steps_done, 8);
  EXPECT_TRUE(std::isfinite(outcome.final_loss));
}
