// The soak test of issue #5: a worker is killed with SIGKILL 20 times at random moments while it
// trains (during loading, resuming, stepping, writing rows or checkpoints), and resumed each
// time. At the end the database passes PRAGMA integrity_check, every step of every series is
// stored exactly once, and the final loss equals an uninterrupted run's, bit for bit.
#include <random>

#include "tests/runs/soak_support.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStore;

namespace {

const nlohmann::json kOverrides = {{"steps", 800},
                                   {"threads", 1},
                                   {"flush_every", 3},
                                   {"checkpoint", {{"every", 5}}},
                                   {"probe", {{"every", 10}}},
                                   {"eval", {{"every", 50}}}};

bool exited(pid_t pid, int& status) { return waitpid(pid, &status, WNOHANG) == pid; }

}  // namespace

TEST(Soak, TwentyKillsAtRandomMomentsLoseNoStepAndChangeNoResult) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  multipos::testing::TempDir dir;
  const std::string db = dir.file("soak.sqlite"), reference_db = dir.file("reference.sqlite");
  int64_t id = 0, reference_id = 0;
  {
    RunStore store(db), reference(reference_db);
    id = multipos::testing::create_quick_run(store, kOverrides);
    reference_id = multipos::testing::create_quick_run(reference, kOverrides);
  }
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(0, 400);
  SCOPED_TRACE("kill moments seeded with " + std::to_string(seed));

  RunStore store(db);
  int kills = 0;
  for (; kills < 20; ++kills) {
    pid_t pid = multipos::testing::start_worker(db, id);
    ASSERT_GT(pid, 0);
    int status = 0;
    bool ended = false;
    // From the moment the worker has marked the run as its own (loading, resuming, training).
    while (!(ended = exited(pid, status)) && store.find_run(id)->pid != pid)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    // Three kills in four also wait for a newly stored step, so the run progresses however
    // loaded the machine is (a slow start must not turn every kill into one during loading).
    const int64_t before = store.find_run(id)->last_step;
    while (kills % 4 != 0 && !ended && store.find_run(id)->last_step <= before)
      if (!(ended = exited(pid, status))) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!ended) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    ASSERT_TRUE(WIFSIGNALED(status)) << "the worker ended on its own after " << kills << " kills; lengthen the run";
    // What the scheduler and `multipos resume` do: mark it failed, queue it again.
    ASSERT_TRUE(store.fail_if_running(id, pid, "killed by the soak test"));
    store.requeue(id);
  }
  pid_t last = multipos::testing::start_worker(db, id);
  int status = 0;
  waitpid(last, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the final resume failed";

  pid_t reference_worker = multipos::testing::start_worker(reference_db, reference_id);
  waitpid(reference_worker, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_EQ(store.find_run(id)->status, "finished");
  RunStore reference(reference_db, RunStore::Mode::read_only);
  auto loss = multipos::testing::expect_each_step_once(store, id, "loss", 799);
  auto expected = multipos::testing::expect_each_step_once(reference, reference_id, "loss", 799);
  for (const char* name : {"lr", "epoch"}) multipos::testing::expect_each_step_once(store, id, name, 799);
  multipos::testing::expect_each_evaluation_once(store, id);
  EXPECT_EQ(store.probe_steps(id), reference.probe_steps(reference_id));
  for (int64_t step : store.probe_steps(id))
    EXPECT_EQ(store.probe_rows(id, step).size(), reference.probe_rows(reference_id, step).size()) << "probe step " << step;
  EXPECT_EQ(loss, expected) << "a resumed step differs from the uninterrupted run (bitwise)";
  EXPECT_EQ(loss.at(799), expected.at(799));
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  int resumes = 0, restarts = 0;
  for (const auto& event : store.events_after(0, id)) {
    resumes += event.message.rfind("resumed from", 0) == 0;
    restarts += event.message.find("restarting at step 0") != std::string::npos;
  }
  EXPECT_GE(resumes, 10) << "most kills should land after a checkpoint, so most restarts resume";
  std::printf("soak: %d kills, %d resumes from a checkpoint, %d restarts from step 0, %.1f s in all, final loss %.9g\n",
              kills, resumes, restarts, seconds, loss.at(799));
}
