// The run service every front drives (CLI, studies, studio) against a fake worker control:
// config-to-row conversion, the events each request records, refusals that change nothing, the
// resume check, deleting a run's files, the loop's end conditions and the hand-over command line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "core/runs/run_service.hpp"
#include "core/train/train_config.hpp"
#include "tests/runs/fake_worker_control.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::runs::LoopEnd;
using multipos::runs::LoopOptions;
using multipos::runs::RunControlError;
using multipos::runs::RunEvent;
using multipos::runs::RunService;
using multipos::runs::RunServiceOptions;
using multipos::store::RunStatus;
using multipos::testing::exited_with;
using multipos::testing::FakeWorkerControl;
using multipos::testing::TempDir;
using Kind = multipos::runs::RunEvent::Kind;

namespace {

const std::vector<multipos::runs::HostGpu> kNoGpus;

class RunServiceTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::shared_ptr<FakeWorkerControl> control = std::make_shared<FakeWorkerControl>();

  std::unique_ptr<RunService> open(int max_concurrent = 1, multipos::runs::ResumeCheck check = nullptr) {
    RunServiceOptions options;
    options.database = dir.file("runs.sqlite");
    options.worker_executable = "/opt/multipos/bin/multipos";
    options.scheduler = {max_concurrent, 60, kNoGpus};
    options.resume_check = std::move(check);
    options.control = control;
    return std::make_unique<RunService>(std::move(options));
  }

  static multipos::train::TrainConfig config(const std::string& objective, int64_t steps, uint64_t seed) {
    nlohmann::json json = {{"name", "demo/" + objective}, {"objective", objective}, {"steps", steps}, {"seed", seed}};
    return multipos::train::train_config_from_json(json, "test");
  }

  static std::vector<Kind> kinds(const std::vector<RunEvent>& events) {
    std::vector<Kind> out;
    for (const auto& event : events) out.push_back(event.kind);
    return out;
  }
};

TEST_F(RunServiceTest, QueuedConfigsBecomeRowsThatCarryTheResolvedConfig) {
  auto service = open();
  const auto configs = std::vector<multipos::train::TrainConfig>{config("lsepair", 30, 7), config("jointlh", 30, 7)};
  const std::vector<int64_t> ids = service->queue(configs, "group-1");
  ASSERT_EQ(ids.size(), 2u);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto run = *service->store().find_run(ids[i]);
    EXPECT_EQ(run.status, "queued");
    EXPECT_EQ(run.name, configs[i].name);
    EXPECT_EQ(run.objective, configs[i].objective.name);
    EXPECT_EQ(run.group_id, "group-1");
    EXPECT_EQ(run.total_steps, 30);
    EXPECT_EQ(run.seed, 7);
    EXPECT_EQ(run.dataset, multipos::train::dataset_label(configs[i]));
    // The stored config resolves to the same config: a worker trains exactly what was queued.
    const auto reread = multipos::train::train_config_from_json(nlohmann::json::parse(run.config_json), "row");
    EXPECT_EQ(multipos::train::to_json(reread), multipos::train::to_json(configs[i]));
  }
  const auto events = service->take_events();
  EXPECT_EQ(kinds(events), (std::vector<Kind>{Kind::queued, Kind::queued}));
  EXPECT_EQ(events[1].run_id, ids[1]);
  EXPECT_TRUE(service->take_events().empty()) << "events are handed out once";
}

TEST_F(RunServiceTest, TicksStartUpToTheLimitReapTheDeadAndDrain) {
  auto service = open(1);
  const auto ids = service->queue({config("lsepair", 5, 1), config("rand1lh", 5, 1)}, "g");
  service->take_events();
  EXPECT_FALSE(service->drained()) << "nothing ticked yet";

  auto report = service->tick();
  EXPECT_EQ(report.started.size(), 1u);
  auto events = service->take_events();
  ASSERT_EQ(kinds(events), (std::vector<Kind>{Kind::started}));
  EXPECT_EQ(events[0].run_id, ids[0]);
  EXPECT_EQ(events[0].pid, 1000);
  EXPECT_FALSE(service->drained());

  control->worker_exits(1000, exited_with(0));  // without marking its run finished
  service->tick();
  events = service->take_events();
  ASSERT_EQ(kinds(events), (std::vector<Kind>{Kind::failed, Kind::started}));
  EXPECT_EQ(events[0].run_id, ids[0]);
  EXPECT_NE(events[0].text.find("exited without marking the run finished"), std::string::npos) << events[0].text;
  EXPECT_EQ(events[1].run_id, ids[1]);

  service->store().mark_finished(ids[1], RunStatus::finished);
  service->tick();
  EXPECT_FALSE(service->drained()) << "its worker has not been reaped yet";
  control->worker_exits(1001, exited_with(0));
  service->tick();
  EXPECT_TRUE(service->drained());
  EXPECT_EQ(service->store().find_run(ids[1])->status, "finished");
}

TEST_F(RunServiceTest, RequestsRecordEventsAndRefusalsChangeNothing) {
  auto service = open(1);
  const auto ids = service->queue({config("lsepair", 5, 1), config("jointlh", 5, 1), config("summarglh", 5, 1)}, "g");
  service->tick();  // ids[0] runs with pid 1000
  service->take_events();

  EXPECT_EQ(service->move(ids[2], 1), 1);
  EXPECT_EQ(service->store().queue_order(), (std::vector<int64_t>{ids[2], ids[1]}));
  EXPECT_EQ(service->stop(ids[1]), 0) << "a queued run is cancelled";
  EXPECT_EQ(service->stop(ids[0]), 1000);
  EXPECT_EQ(control->signals_sent, (std::vector<std::pair<int64_t, int>>{{1000, SIGTERM}}));
  service->set_notes(ids[2], "tag", "a note");
  auto events = service->take_events();
  EXPECT_EQ(kinds(events), (std::vector<Kind>{Kind::moved, Kind::cancelled, Kind::stopping, Kind::notes_saved}));
  EXPECT_EQ(events[0].position, 1);
  EXPECT_EQ(events[2].pid, 1000);
  EXPECT_EQ(service->store().find_run(ids[2])->notes, "a note");

  EXPECT_THROW(service->cancel(ids[0]), RunControlError) << "running";
  EXPECT_THROW(service->remove(ids[0]), RunControlError) << "running";
  EXPECT_THROW(service->move(ids[1], 1), RunControlError) << "not queued";
  EXPECT_THROW(service->remove(999), RunControlError);
  EXPECT_TRUE(service->take_events().empty()) << "a refused request records nothing";
  EXPECT_EQ(service->store().find_run(ids[0])->status, "running");

  service->kill(ids[0]);
  events = service->take_events();
  ASSERT_EQ(kinds(events), (std::vector<Kind>{Kind::killed}));
  EXPECT_EQ(service->store().find_run(ids[0])->status, "failed");
  EXPECT_EQ(events[0].text, service->store().find_run(ids[0])->error);
}

TEST_F(RunServiceTest, DeletingARunRemovesItsRowsCheckpointsAndLog) {
  auto service = open();
  const int64_t id = service->queue({config("lsepair", 5, 1)}, "g").front();
  const int64_t kept = service->queue({config("lsepair", 5, 2)}, "g").front();
  service->cancel(id);
  namespace fs = std::filesystem;
  const fs::path checkpoint = fs::path(service->database() + ".checkpoints") / ("run-" + std::to_string(id)) / "final";
  const fs::path other = fs::path(service->database() + ".checkpoints") / ("run-" + std::to_string(kept)) / "final";
  fs::create_directories(checkpoint);
  fs::create_directories(other);
  fs::create_directories(service->database() + ".logs");
  std::ofstream(multipos::runs::worker_log_path(service->database(), id)) << "log\n";
  service->take_events();

  service->remove(id);
  EXPECT_FALSE(service->store().find_run(id));
  EXPECT_FALSE(fs::exists(checkpoint.parent_path()));
  EXPECT_FALSE(fs::exists(multipos::runs::worker_log_path(service->database(), id)));
  EXPECT_TRUE(fs::exists(other)) << "another run's checkpoints stay";
  const auto events = service->take_events();
  ASSERT_EQ(kinds(events), (std::vector<Kind>{Kind::deleted}));
  EXPECT_NE(events[0].text.find("run-" + std::to_string(id)), std::string::npos) << events[0].text;
}

TEST_F(RunServiceTest, ResumeAsksTheCheckFirstAndQueuesOnlyWhatItAllows) {
  bool allow = false;
  auto service = open(1, [&](const multipos::store::RunStore& store, int64_t id) -> std::string {
    if (!allow) throw std::runtime_error("run " + std::to_string(id) + " has no checkpoint of its own");
    return store.path() + ".checkpoints/run-" + std::to_string(id) + "/step-3";
  });
  const int64_t id = service->queue({config("lsepair", 5, 1)}, "g").front();
  service->cancel(id);
  service->take_events();

  EXPECT_THROW(service->resume(id), std::runtime_error);
  EXPECT_EQ(service->store().find_run(id)->status, "stopped") << "a refused resume changes nothing";
  EXPECT_TRUE(service->take_events().empty());

  allow = true;
  const std::string from = service->resume(id);
  EXPECT_EQ(service->store().find_run(id)->status, "queued");
  const auto events = service->take_events();
  ASSERT_EQ(kinds(events), (std::vector<Kind>{Kind::requeued}));
  EXPECT_EQ(events[0].text, from);
  const auto log = service->store().events_after(0, id);
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().message, "queued to resume from " + from);
  EXPECT_THROW(service->resume(id), RunControlError) << "a queued run cannot be queued again";
}

TEST_F(RunServiceTest, TheLoopEndsWhenDoneAndHandsEachTicksEventsOver) {
  auto service = open(2);
  service->queue({config("lsepair", 5, 1), config("jointlh", 5, 1)}, "g");
  std::vector<Kind> seen;
  int ticks = 0;
  LoopOptions loop;
  loop.tick_seconds = 0;
  loop.on_events = [&](const std::vector<RunEvent>& events) {
    for (const auto& event : events) seen.push_back(event.kind);
  };
  loop.done = [&](RunService&, const multipos::runs::TickReport&) { return ++ticks == 3; };
  EXPECT_EQ(multipos::runs::run_until(*service, loop), LoopEnd::done);
  EXPECT_EQ(ticks, 3);
  EXPECT_EQ(seen, (std::vector<Kind>{Kind::queued, Kind::queued, Kind::started, Kind::started}));

  // The default end: nothing queued or running here and every worker reaped.
  for (const auto& run : service->store().list_runs()) service->store().mark_finished(run.id, RunStatus::finished);
  control->worker_exits(1000, exited_with(0));
  control->worker_exits(1001, exited_with(0));
  EXPECT_EQ(multipos::runs::run_until(*service, LoopOptions{0, nullptr, nullptr}), LoopEnd::done);
  EXPECT_TRUE(service->drained());
}

TEST_F(RunServiceTest, TheHandOverCommandNamesTheDatabaseAndTheLimit) {
  auto service = open(3);
  service->set_max_concurrent(2);
  const auto argv = service->scheduler_argv();
  EXPECT_EQ(argv, (std::vector<std::string>{"/opt/multipos/bin/multipos", "scheduler", "--db", service->database(),
                                            "--max-concurrent", "2", "--heartbeat-timeout",
                                            std::to_string(60.0)}));
  EXPECT_EQ(service->scheduler_log(), service->database() + ".logs/scheduler.log");
  EXPECT_TRUE(std::filesystem::path(service->database()).is_absolute());
}

}  // namespace
