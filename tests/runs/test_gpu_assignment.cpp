// The scheduler gives each worker its own GPUs (CUDA_VISIBLE_DEVICES): one per rank of a
// data-parallel run, never one a running run holds, in queue order; tested on the CPU with a fake
// device list (MULTIPOS_FAKE_GPUS) and a fake worker control, plus the real launcher's environment.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/runs/gpus.hpp"
#include "core/runs/scheduler.hpp"
#include "tests/runs/fake_worker_control.hpp"
#include "tests/support/temp_dir.hpp"

using namespace multipos::runs;
using multipos::store::RunStatus;
using multipos::store::RunStore;
using multipos::testing::exited_with;
using multipos::testing::FakeWorkerControl;
using multipos::testing::TempDir;

namespace {

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
    else ::unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class GpuSchedulerTest : public ::testing::Test {
 protected:
  ScopedEnv fake{"MULTIPOS_FAKE_GPUS", "H100,H100,H100,H100"};
  TempDir dir;
  RunStore store{dir.file("runs.sqlite")};
  FakeWorkerControl control;

  int64_t queue_run(const std::string& config_json) {
    multipos::store::NewRun run;
    run.name = "run";
    run.objective = "infonce";
    run.dataset = "synthetic";
    run.config_json = config_json;
    run.total_steps = 10;
    return store.create_run(run);
  }
  std::string gpus_of(int64_t id) { return store.find_run(id)->gpus; }
  void finish(int64_t id) {
    const int64_t pid = store.find_run(id)->pid;
    store.mark_finished(id, RunStatus::finished);
    control.worker_exits(pid, exited_with(0));
  }
};

}  // namespace

TEST(HostGpus, FakeListAndNvidiaSmiParsing) {
  {
    ScopedEnv fake("MULTIPOS_FAKE_GPUS", "H100, A100 80GB");
    auto gpus = host_gpus();
    ASSERT_EQ(gpus.size(), 2u);
    EXPECT_EQ(gpus[0].index, "0");
    EXPECT_EQ(gpus[1].index, "1");
    EXPECT_EQ(gpus[1].name, "A100 80GB");
  }
  auto parsed = parse_nvidia_smi_gpus("0, NVIDIA H100 80GB HBM3\n1, NVIDIA H100 80GB HBM3\nNo devices were found\n");
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1].index, "1");
  EXPECT_EQ(parsed[1].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(describe_gpus("0,1", parsed), "0 (H100 80GB HBM3), 1 (H100 80GB HBM3)");
  EXPECT_TRUE(parse_nvidia_smi_gpus("").empty());
}

TEST(GpuNeed, ReadsDeviceAndWorldSize) {
  EXPECT_EQ(gpu_need(R"({"device": "cpu", "distributed": {"world_size": 4}})").count, 0);
  GpuNeed automatic = gpu_need("{}");
  EXPECT_EQ(automatic.count, 1);
  EXPECT_FALSE(automatic.required);
  GpuNeed cuda = gpu_need(R"({"device": "cuda", "distributed": {"world_size": 2}})");
  EXPECT_EQ(cuda.count, 2);
  EXPECT_TRUE(cuda.required);
  EXPECT_FALSE(cuda.pinned);
  EXPECT_EQ(gpu_need(R"({"device": "cuda:3"})").pinned, 3);
  EXPECT_EQ(gpu_need("not json").count, 0);
}

TEST(ChooseGpus, LowestFreeFirstWaitsOrRefuses) {
  std::vector<HostGpu> pool{{"0", "a"}, {"1", "b"}, {"2", "c"}};
  auto two = choose_gpus({2, true, {}}, pool, {"0"});
  EXPECT_EQ(two.kind, GpuChoice::Kind::assign);
  EXPECT_EQ(two.gpus, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(choose_gpus({2, true, {}}, pool, {"0", "2"}).kind, GpuChoice::Kind::wait);
  auto many = choose_gpus({4, true, {}}, pool, {});
  EXPECT_EQ(many.kind, GpuChoice::Kind::impossible);
  EXPECT_EQ(many.reason, "it needs 4 GPUs (distributed.world_size) and this host has 3");
  EXPECT_EQ(choose_gpus({1, false, {}}, {}, {}).kind, GpuChoice::Kind::none) << "no GPUs: nothing to assign";
  EXPECT_EQ(choose_gpus({0, false, {}}, pool, {}).kind, GpuChoice::Kind::none) << "a CPU run holds none";
  EXPECT_EQ(free_gpu_count(pool, {"0,2"}), 1);
}

TEST_F(GpuSchedulerTest, EachWorkerGetsItsOwnGpusAndTheQueueWaitsForFreeOnes) {
  const int64_t a = queue_run(R"({"device": "auto"})");
  const int64_t b = queue_run(R"({"device": "cuda", "distributed": {"world_size": 2}})");
  const int64_t c = queue_run(R"({"device": "cuda"})");
  const int64_t d = queue_run(R"({"device": "cuda"})");
  const int64_t e = queue_run(R"({"device": "cpu"})");
  const int gpus = static_cast<int>(host_gpus().size());
  ASSERT_EQ(gpus, 4);
  Scheduler scheduler(control, SchedulerOptions{default_max_concurrent(2, gpus), 60, std::nullopt});  // gpus from host_gpus()
  auto first = scheduler.tick(store);
  EXPECT_TRUE(first.failed.empty());
  EXPECT_EQ(control.started_runs, (std::vector<int64_t>{a, b, c}));
  EXPECT_EQ(control.started_gpus, (std::vector<std::string>{"0", "1,2", "3"}));
  EXPECT_EQ(gpus_of(a), "0");
  EXPECT_EQ(gpus_of(b), "1,2");
  EXPECT_EQ(gpus_of(c), "3");
  EXPECT_EQ(store.find_run(d)->status, "queued") << "no free GPU: d waits, and e waits behind it (queue order)";
  EXPECT_EQ(store.find_run(e)->status, "queued");

  finish(b);  // frees GPUs 1 and 2
  scheduler.tick(store);
  EXPECT_EQ(control.started_runs, (std::vector<int64_t>{a, b, c, d, e}));
  EXPECT_EQ(gpus_of(d), "1");
  EXPECT_EQ(gpus_of(e), "") << "a CPU run holds no GPU";
  EXPECT_EQ(control.started_gpus.back(), "");
  EXPECT_EQ(gpus_of(b), "1,2") << "a finished run keeps the record of the GPUs it used";
}

TEST_F(GpuSchedulerTest, ARunNeedingMoreGpusThanTheHostHasFailsWithTheReason) {
  const int64_t big = queue_run(R"({"device": "cuda", "distributed": {"world_size": 8}})");
  const int64_t after = queue_run(R"({"device": "cuda"})");
  Scheduler scheduler(control, SchedulerOptions{4, 60, std::nullopt});
  auto report = scheduler.tick(store);
  ASSERT_EQ(report.failed.size(), 1u);
  EXPECT_EQ(report.failed[0].run_id, big);
  EXPECT_EQ(store.find_run(big)->status, "failed");
  EXPECT_NE(store.find_run(big)->error.find("it needs 8 GPUs (distributed.world_size) and this host has 4"),
            std::string::npos)
      << store.find_run(big)->error;
  EXPECT_EQ(control.started_runs, (std::vector<int64_t>{after})) << "the queue moves on";
}

TEST_F(GpuSchedulerTest, APinnedDeviceHoldsThatGpuWithoutRenumbering) {
  const int64_t pinned = queue_run(R"({"device": "cuda:2"})");
  const int64_t second = queue_run(R"({"device": "cuda:2"})");
  const int64_t other = queue_run(R"({"device": "cuda"})");
  Scheduler scheduler(control, SchedulerOptions{4, 60, std::nullopt});
  scheduler.tick(store);
  EXPECT_EQ(gpus_of(pinned), "2");
  EXPECT_EQ(control.started_gpus, (std::vector<std::string>{""})) << "cuda:2 keeps the host's numbering";
  EXPECT_EQ(store.find_run(second)->status, "queued") << "GPU 2 is held";
  EXPECT_EQ(store.find_run(other)->status, "queued") << "queue order";
  finish(pinned);
  scheduler.tick(store);
  EXPECT_EQ(gpus_of(second), "2");
  EXPECT_EQ(gpus_of(other), "0");
}

TEST_F(GpuSchedulerTest, TwoSchedulersOfOneHostNeverHandOutAGpuTwice) {
  for (int i = 0; i < 6; ++i) queue_run(R"({"device": "cuda"})");
  FakeWorkerControl other;
  other.next_pid = 5000;
  Scheduler one(control, SchedulerOptions{2, 60, std::nullopt}), two(other, SchedulerOptions{8, 60, std::nullopt});
  one.tick(store);
  other.alive = control.alive;  // one host: both see the first scheduler's workers alive
  two.tick(store);
  EXPECT_EQ(other.started_gpus, (std::vector<std::string>{"2", "3"})) << "the second skips the GPUs the first gave";
  std::vector<std::string> held;
  for (const auto& run : store.list_runs())
    if (run.status == "running") held.push_back(run.gpus);
  std::sort(held.begin(), held.end());
  EXPECT_EQ(held, (std::vector<std::string>{"0", "1", "2", "3"}));
}

TEST_F(GpuSchedulerTest, DefaultConcurrencyIsTheFreeGpusWhenTrainingOnCuda) {
  EXPECT_EQ(default_max_concurrent_for(R"({"device": "cuda"})", {}, 2), 4);
  EXPECT_EQ(default_max_concurrent_for(R"({"device": "auto"})", {"0", "1,2"}, 2), 1);
  EXPECT_EQ(default_max_concurrent_for(R"({"device": "cuda", "distributed": {"world_size": 2}})", {}, 2), 2);
  EXPECT_EQ(default_max_concurrent_for(R"({"device": "cpu"})", {}, 16), 8) << "CPU runs: by cores";
  ScopedEnv none("MULTIPOS_FAKE_GPUS", "");
  EXPECT_EQ(default_max_concurrent_for(R"({"device": "auto"})", {}, 2), 1) << "no GPUs: by cores";
}

TEST(WorkerLauncherGpus, TheWorkerSeesItsCudaVisibleDevices) {
  TempDir dir;
  std::string script = dir.file("fake-multipos");
  {
    std::ofstream file(script);
    file << "#!/bin/sh\necho \"gpus: $CUDA_VISIBLE_DEVICES\"\n";
  }
  ::chmod(script.c_str(), 0755);
  ScopedEnv inherited("CUDA_VISIBLE_DEVICES", "0,1,2,3");
  WorkerLauncher launcher(script, dir.file("runs.sqlite"));
  launcher.start(3, "2,3");
  std::string log = worker_log_path(dir.file("runs.sqlite"), 3), text;
  for (int i = 0; i < 3000 && text.find('\n') == std::string::npos; ++i) {  // hang guard: 30 s
    std::ifstream in(log);
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    if (text.find('\n') == std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(text, "gpus: 2,3\n") << "replaces the scheduler's own value";
  while (launcher.live_children() > 0) {
    launcher.collect_exits();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}
