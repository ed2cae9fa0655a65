// `multipos study` end to end with the real binary on the built-in synthetic data: a small grid
// trains, the report and figures appear, a second start reuses every finished run, a changed grid
// under the same name is refused with the differing fields, and bad options name what is wrong.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/store/run_store.hpp"
#include "core/study/study_spec.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::testing::contains;
using multipos::testing::Result;
using multipos::testing::run;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int count_finished(const std::string& db) {
  if (!std::filesystem::exists(db)) return 0;
  int finished = 0;
  try {
    multipos::store::RunStore store(db, multipos::store::RunStore::Mode::read_only);
    for (const auto& r : store.list_runs())
      finished += r.status == "finished" && r.objective != "bm25" && r.objective != "untrained";
  } catch (const multipos::store::StoreError&) {
    return 0;  // created by the study but not yet given its schema
  }
  return finished;
}

}  // namespace

TEST(StudyCommand, TrainsASmallGridWritesTheReportAndReusesFinishedRuns) {
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  const std::string grid = "--db \"" + db + "\" --preset quick --objectives rand1lh,lsepair --regimes mixed "
                           "--noise 0,0.4 --seeds 1 --steps 30 --name tiny";
  Result first = run("study " + grid);
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_TRUE(contains(first.output, "4 runs planned, 4 queued now, 0 reused")) << first.output;
  EXPECT_TRUE(contains(first.output, "study: 4/4 runs finished")) << first.output;

  const std::string directory = multipos::study::study_directory(db, "tiny");
  const std::string report = read_file(directory + "/report.md");
  EXPECT_TRUE(contains(report, "# Study tiny")) << report;
  EXPECT_TRUE(contains(report, "Runs: 4 finished, 0 not finished, 0 failed")) << report;
  EXPECT_TRUE(contains(report, "| BM25 |")) << report;
  EXPECT_TRUE(contains(report, "| untrained encoder |")) << report;
  EXPECT_TRUE(contains(report, "| LSEPair | Rand1LH |")) << report;
  EXPECT_TRUE(std::filesystem::file_size(directory + "/figures/metrics-mixed.png") > 5000);
  EXPECT_TRUE(std::filesystem::file_size(directory + "/figures/allocation-mixed.png") > 5000);
  {
    multipos::store::RunStore store(db, multipos::store::RunStore::Mode::read_only);
    auto runs = store.list_runs();
    EXPECT_EQ(runs.size(), 6u);  // 4 trained, BM25, untrained
    for (const auto& r : runs) EXPECT_EQ(r.status, "finished") << r.name << ": " << r.error;
  }

  Result again = run("study " + grid);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "4 runs planned, 0 queued now, 4 reused")) << again.output;
  EXPECT_FALSE(contains(again.output, "scoring the BM25 baseline")) << again.output;

  Result changed = run("study --db \"" + db + "\" --preset quick --objectives rand1lh,lsepair --regimes mixed "
                       "--noise 0,0.2 --seeds 1 --steps 30 --name tiny");
  EXPECT_NE(changed.status, 0);
  EXPECT_TRUE(contains(changed.output, "differs in: noise_rates")) << changed.output;

  Result report_only = run("study " + grid + " --report-only");
  EXPECT_EQ(report_only.status, 0) << report_only.output;
}

TEST(StudyCommand, BadOptionsAreRefusedBeforeAnythingIsCreated) {
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  Result noise = run("study --db \"" + db + "\" --noise 0,1.5 --seeds 1");
  EXPECT_NE(noise.status, 0);
  EXPECT_TRUE(contains(noise.output, "noise_rates[1]")) << noise.output;
  Result objective = run("study --db \"" + db + "\" --objectives lsepair,nosuch --seeds 1");
  EXPECT_NE(objective.status, 0);
  EXPECT_TRUE(contains(objective.output, "nosuch")) << objective.output;
  // --objective is the same option as --objectives (as on train and launch).
  Result singular = run("study --db \"" + db + "\" --objective lsepair,nosuch --seeds 1");
  EXPECT_NE(singular.status, 0);
  EXPECT_TRUE(contains(singular.output, "nosuch")) << singular.output;
  EXPECT_FALSE(contains(singular.output, "unknown option")) << singular.output;
  Result preset = run("study --db \"" + db + "\" --preset nosuch");
  EXPECT_NE(preset.status, 0);
  EXPECT_TRUE(contains(preset.output, "no study preset 'nosuch'")) << preset.output;
  Result dataset = run("study --db \"" + db + "\" --dataset /no/such/folder --seeds 1");
  EXPECT_NE(dataset.status, 0);
  EXPECT_TRUE(contains(dataset.output, "/no/such/folder")) << dataset.output;
  if (std::filesystem::exists(db)) {
    multipos::store::RunStore store(db, multipos::store::RunStore::Mode::read_only);
    EXPECT_TRUE(store.list_runs().empty());
  }
}

TEST(StudyCommand, AnInterruptedStudyContinuesWhereItStopped) {
  multipos::testing::TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  const std::vector<std::string> args = {multipos::testing::kBinary, "study", "--db", db, "--preset", "quick",
                                         "--objectives", "rand1lh,lsepair", "--regimes", "mixed", "--noise", "0,0.4",
                                         "--seeds", "2", "--steps", "30", "--name", "cont"};
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, dir.file("first.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(600);  // a hang guard
  while (count_finished(db) < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << read_file(dir.file("first.log"));
  EXPECT_TRUE(contains(read_file(dir.file("first.log")), "run the same command again to continue"));
  const int done_before = count_finished(db);
  ASSERT_LT(done_before, 8) << "the study finished before it could be interrupted";

  std::string command = "study";
  for (size_t i = 2; i < args.size(); ++i) command += " \"" + args[i] + "\"";
  Result resumed = run(command);
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_TRUE(contains(resumed.output, "8 runs planned")) << resumed.output;
  EXPECT_FALSE(contains(resumed.output, ", 0 reused")) << resumed.output;
  EXPECT_EQ(count_finished(db), 8);
  multipos::store::RunStore store(db, multipos::store::RunStore::Mode::read_only);
  EXPECT_EQ(store.list_runs().size(), 8u + 3u) << "runs were created twice";  // + BM25 + 2 untrained
}
