// The multipos executable end to end: train headless, list runs, refuse bad input with the file
// and field at fault, and render the studio on a database while a worker is still writing to it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "core/store/run_store.hpp"
#include "tests/support/run_binary.hpp"
#include "tests/support/temp_dir.hpp"
#if MULTIPOS_HAS_UI
#include "tests/support/png_image.hpp"
#endif

using multipos::store::RunStore;
using multipos::testing::contains;
using multipos::testing::kBinary;
using multipos::testing::kQuickPreset;
using multipos::testing::Result;
using multipos::testing::run;
using multipos::testing::TempDir;

TEST(Cli, TrainsHeadlessAndListsTheRun) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  Result train = run("train --config \"" + kQuickPreset + "\" --db \"" + db + "\" --objective lsepair --steps 50");
  ASSERT_EQ(train.status, 0) << train.output;
  EXPECT_TRUE(contains(train.output, "step     50/50")) << train.output;
  EXPECT_TRUE(contains(train.output, "ex/s")) << train.output;
  EXPECT_TRUE(contains(train.output, "ETA")) << train.output;

  Result runs = run("runs --db \"" + db + "\"");
  ASSERT_EQ(runs.status, 0) << runs.output;
  EXPECT_TRUE(contains(runs.output, "finished")) << runs.output;
  EXPECT_TRUE(contains(runs.output, "lsepair")) << runs.output;
  EXPECT_TRUE(contains(runs.output, "50/50")) << runs.output;

  RunStore store(db, RunStore::Mode::read_only);
  auto listed = store.list_runs();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].last_step, 49);
  size_t losses = 0;
  for (const auto& point : store.scalars_after(0, listed[0].id)) losses += point.name == "loss";
  EXPECT_EQ(losses, 50u) << "one loss point per step, none lost or repeated";
}

TEST(Cli, OneRunPerObjectiveInASharedGroup) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  Result train = run("train --config \"" + kQuickPreset + "\" --db \"" + db +
                     "\" --objectives infonce,jointlh,summarglh --steps 5 --quiet");  // plural: same option
  ASSERT_EQ(train.status, 0) << train.output;
  RunStore store(db, RunStore::Mode::read_only);
  auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 4u) << "three objectives and their BM25 baseline";
  EXPECT_FALSE(runs[0].group_id.empty());
  for (const auto& r : runs) {
    EXPECT_EQ(r.group_id, runs[0].group_id);
    EXPECT_EQ(r.seed, runs[0].seed);
    EXPECT_EQ(r.status, "finished") << r.objective << ": " << r.error;
  }
  EXPECT_EQ(runs[1].objective, "jointlh");
  EXPECT_EQ(runs[3].objective, "bm25");
  auto baseline = store.evaluations(runs[3].id, "dev");
  ASSERT_FALSE(baseline.empty()) << "the baseline is evaluated on the runs' eval split";
  EXPECT_TRUE(std::any_of(baseline.begin(), baseline.end(),
                          [](const auto& row) { return row.metric == "ndcg_cut_10" && row.query_id.empty(); }));
}

// `--objective none --baseline bm25,untrained`: the two baselines alone, as finished runs whose
// metrics are printed. The untrained encoder must be exactly the seed's initialisation: a run of
// one step at the smallest learning rate leaves the bag's weights as they were, and its checkpoint
// re-evaluated by `multipos eval` scores the same.
TEST(Cli, BaselinesAloneScoreBm25AndTheUntrainedEncoder) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  Result scored = run("train --config \"" + kQuickPreset + "\" --db \"" + db + "\" --objective none --baseline bm25,untrained");
  ASSERT_EQ(scored.status, 0) << scored.output;
  EXPECT_TRUE(contains(scored.output, "] bm25 on dev:  map ")) << scored.output;
  EXPECT_TRUE(contains(scored.output, "] untrained on dev:  map ")) << scored.output;
  EXPECT_TRUE(contains(scored.output, "ndcg_cut_10")) << scored.output;

  double untrained_ndcg = -1;
  {
    RunStore store(db, RunStore::Mode::read_only);
    auto runs = store.list_runs();
    ASSERT_EQ(runs.size(), 2u) << "baselines only: no run to train";
    EXPECT_EQ(runs[0].objective, "bm25");
    EXPECT_EQ(runs[1].objective, "untrained");
    for (const auto& r : runs) EXPECT_EQ(r.status, "finished") << r.objective << ": " << r.error;
    for (const auto& row : store.evaluations(runs[1].id, "dev"))
      if (row.metric == "ndcg_cut_10" && row.query_id.empty()) untrained_ndcg = row.value;
  }
  ASSERT_GT(untrained_ndcg, 0);

  Result trained = run("train --config \"" + kQuickPreset + "\" --db \"" + db +
                       "\" --objective infonce --steps 1 --lr 1e-9 --set eval.at_end=false --quiet");
  ASSERT_EQ(trained.status, 0) << trained.output;
  Result evaluated = run("eval --db \"" + db + "\" --run 3 --split dev");
  ASSERT_EQ(evaluated.status, 0) << evaluated.output;
  RunStore store(db, RunStore::Mode::read_only);
  double checkpoint_ndcg = -1;
  for (const auto& row : store.evaluations(3, "dev"))
    if (row.metric == "ndcg_cut_10" && row.query_id.empty()) checkpoint_ndcg = row.value;
  EXPECT_DOUBLE_EQ(checkpoint_ndcg, untrained_ndcg) << "the untrained baseline is the seed's initial encoder";

  Result nothing = run("train --config \"" + kQuickPreset + "\" --db \"" + db + "\" --objective none");
  EXPECT_EQ(nothing.status, 2);
  EXPECT_TRUE(contains(nothing.output, "--objective none trains nothing")) << nothing.output;
  Result unknown = run("train --config \"" + kQuickPreset + "\" --db \"" + db + "\" --objective none --baseline bm25,glove");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.output, "'glove'")) << unknown.output;
  EXPECT_EQ(RunStore(db, RunStore::Mode::read_only).list_runs().size(), 3u) << "refusals create nothing";
}

// `multipos runs` shows which GPUs the scheduler gave each run (column gpu; "-" for none).
TEST(Cli, RunsTableShowsTheGpusARunHolds) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  {
    RunStore store(db);
    for (const char* name : {"on-gpus", "on-cpu"}) {
      multipos::store::NewRun run;
      run.name = name;
      run.objective = "infonce";
      run.dataset = "synthetic";
      run.config_json = "{}";
      store.create_run(run);
    }
    store.claim_next_queued("host", 2, [](const std::string&, const std::vector<std::string>&) {
      return std::optional<std::string>("1,2");
    });
    store.claim_next_queued("host", 2);
  }
  Result runs = run("runs --db \"" + db + "\"");
  ASSERT_EQ(runs.status, 0) << runs.output;
  EXPECT_TRUE(contains(runs.output, " gpu ")) << runs.output;
  EXPECT_TRUE(contains(runs.output, " 1,2 ")) << runs.output;
  Result json = run("runs --db \"" + db + "\" --json");
  EXPECT_TRUE(contains(json.output, "\"gpus\":\"1,2\"")) << json.output;
  EXPECT_TRUE(contains(json.output, "\"gpus\":\"\"")) << json.output;
}

// A foreground `train` starts itself again with OMP_WAIT_POLICY=passive when the variable is unset
// (libgomp reads it only when it loads) and says so in its first line; a user's choice stays.
TEST(Cli, TrainRunsWithPassiveOpenMpUnlessThePolicyIsChosen) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  const std::string arguments = "train --config \"" + kQuickPreset + "\" --db \"" + db + "\" --steps 2 --device cpu";
  Result unset = run(arguments, "env -u OMP_WAIT_POLICY");
  ASSERT_EQ(unset.status, 0) << unset.output;
  EXPECT_TRUE(contains(unset.output, " threads, OMP_WAIT_POLICY=passive")) << unset.output;
  Result chosen = run(arguments, "OMP_WAIT_POLICY=active");
  ASSERT_EQ(chosen.status, 0) << chosen.output;
  EXPECT_TRUE(contains(chosen.output, " threads, OMP_WAIT_POLICY=active")) << chosen.output;

  // The restarted process keeps its pid and its name: ps, top and pkill still see "multipos".
  std::string long_db = dir.file("long.sqlite");
  pid_t trainer = fork();
  ASSERT_GE(trainer, 0);
  if (trainer == 0) {
    ::unsetenv("OMP_WAIT_POLICY");
    std::string log = dir.file("long.log");
    freopen(log.c_str(), "w", stdout);
    freopen(log.c_str(), "a", stderr);
    execl(kBinary.c_str(), kBinary.c_str(), "train", "--config", kQuickPreset.c_str(), "--db", long_db.c_str(),
          "--steps", "100000", "--set", "eval.at_end=false", static_cast<char*>(nullptr));
    _exit(127);
  }
  int64_t recorded_pid = 0;
  for (int i = 0; i < 600 && recorded_pid == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!std::filesystem::exists(long_db)) continue;
    try {  // the file exists a moment before its schema is committed
      auto runs = RunStore(long_db, RunStore::Mode::read_only).list_runs();
      if (!runs.empty() && runs[0].status == "running") recorded_pid = runs[0].pid;
    } catch (const multipos::store::StoreError&) {
      continue;
    }
  }
  std::ifstream comm("/proc/" + std::to_string(trainer) + "/comm");
  std::string name;
  std::getline(comm, name);
  std::ifstream environ_file("/proc/" + std::to_string(trainer) + "/environ");
  std::string environment((std::istreambuf_iterator<char>(environ_file)), std::istreambuf_iterator<char>());
  kill(trainer, SIGTERM);
  waitpid(trainer, nullptr, 0);
  EXPECT_EQ(recorded_pid, trainer) << "the restart keeps the pid the run records";
  EXPECT_EQ(name, "multipos");
  EXPECT_TRUE(contains(environment, std::string("OMP_WAIT_POLICY=passive") + '\0')) << "the restarted process has it";
}

TEST(Cli, BadConfigNamesFileAndFieldAndCreatesNothing) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  std::string config = dir.file("bad.json");
  std::ofstream(config) << R"({"steps": 10, "optimizer": {"lr": "fast"}})";
  Result train = run("train --config \"" + config + "\" --db \"" + db + "\"");
  EXPECT_NE(train.status, 0);
  EXPECT_TRUE(contains(train.output, config)) << train.output;
  EXPECT_TRUE(contains(train.output, "optimizer.lr")) << train.output;
  EXPECT_TRUE(RunStore(db).list_runs().empty()) << "a refused config must not create runs";

  Result objective = run("train --config \"" + kQuickPreset + "\" --db \"" + db + "\" --objective jointLH,lsepair");
  EXPECT_NE(objective.status, 0);
  EXPECT_TRUE(contains(objective.output, "summarglh")) << "lists the valid objectives: " << objective.output;
  EXPECT_TRUE(RunStore(db).list_runs().empty());

  Result option = run("train --db \"" + db + "\" --stepz 3");
  EXPECT_EQ(option.status, 2);
  EXPECT_TRUE(contains(option.output, "--stepz")) << option.output;
}

TEST(Cli, RefusesAFileThatIsNotARunStore) {
  TempDir dir;
  std::string notes = dir.file("notes.txt");
  std::ofstream(notes) << "my notes\n" << std::string(2000, 'n');
  Result train = run("train --config \"" + kQuickPreset + "\" --db \"" + notes + "\" --steps 2");
  EXPECT_NE(train.status, 0);
  EXPECT_TRUE(contains(train.output, "not a SQLite database")) << train.output;
  std::ifstream check(notes);
  std::string first;
  std::getline(check, first);
  EXPECT_EQ(first, "my notes");
}

#if MULTIPOS_HAS_UI
// Duplicate-and-edit writes configs into <tmp>/multipos-studio-<pid>; a studio removes its own
// folder at exit and, at start, the folders of studios that died without removing theirs.
TEST(Cli, StudioRemovesScratchFoldersOfStudiosThatAreGone) {
  const std::string xvfb_run = MULTIPOS_XVFB_RUN;
  if (xvfb_run.empty()) GTEST_SKIP() << "xvfb-run not found: install the xvfb package for the studio";
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  { RunStore create(db); }
  const std::string tmp = dir.file("tmp");
  pid_t gone = fork();
  if (gone == 0) _exit(0);
  ASSERT_GT(gone, 0);
  waitpid(gone, nullptr, 0);
  const std::string dead = tmp + "/multipos-studio-" + std::to_string(gone);
  const std::string live = tmp + "/multipos-studio-" + std::to_string(getpid());  // this test: alive
  const std::string other = tmp + "/multipos-studio-notes";
  for (const auto& folder : {dead, live, other}) {
    std::filesystem::create_directories(folder);
    std::ofstream(folder + "/copy.json") << "{}\n";
  }
  std::string command = "TMPDIR=\"" + tmp + "\" " + xvfb_run + " -a -s \"-screen 0 1280x800x24\" \"" + kBinary +
                        "\" studio --db \"" + db + "\" --screenshot \"" + dir.file("s.png") + "\" --frames 2 > \"" +
                        dir.file("studio.log") + "\" 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  EXPECT_FALSE(std::filesystem::exists(dead)) << "a dead studio's folder is removed";
  EXPECT_TRUE(std::filesystem::exists(live + "/copy.json")) << "a live process's folder is left alone";
  EXPECT_TRUE(std::filesystem::exists(other + "/copy.json")) << "only <prefix><pid> folders are touched";
}

TEST(Cli, StudioScreenshotOfALiveRun) {
  const std::string xvfb_run = MULTIPOS_XVFB_RUN;
  if (xvfb_run.empty()) GTEST_SKIP() << "xvfb-run not found: install the xvfb package for the studio screenshot";
  TempDir dir;
  std::string db = dir.file("live.sqlite"), png = dir.file("live.png");
  { RunStore create(db); }  // the studio polls a database that exists

  pid_t worker = fork();
  ASSERT_GE(worker, 0);
  if (worker == 0) {
    std::string log = dir.file("worker.log");
    freopen(log.c_str(), "w", stdout);
    freopen(log.c_str(), "a", stderr);
    execl(kBinary.c_str(), kBinary.c_str(), "train", "--config", kQuickPreset.c_str(), "--db", db.c_str(),
          "--objective", "jointlh", "--steps", "100000", "--set", "eval.at_end=false", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the worker has written a stretch of the loss curve.
  RunStore reader(db, RunStore::Mode::read_only);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int64_t last_step = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    auto runs = reader.list_runs();
    if (!runs.empty()) last_step = runs[0].last_step;
    if (last_step >= 30) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_GE(last_step, 30) << "the worker wrote no loss curve";

  std::string command = xvfb_run + " -a -s \"-screen 0 1600x1000x24\" \"" + kBinary + "\" studio --db \"" + db +
                        "\" --screenshot \"" + png + "\" --frames 8 --width 1280 --height 800 > \"" +
                        dir.file("studio.log") + "\" 2>&1";
  int studio = std::system(command.c_str());
  EXPECT_EQ(reader.list_runs()[0].status, "running") << "the screenshot shows a live run";
  kill(worker, SIGTERM);  // asks the worker to stop cleanly
  int status = 0;
  waitpid(worker, &status, 0);
  ASSERT_EQ(studio, 0) << command;

  std::error_code ignored;
  std::filesystem::copy_file(png, "studio_live_run.png", std::filesystem::copy_options::overwrite_existing, ignored);
  multipos::testing::PngImage image(png);
  ASSERT_NE(image.pixels, nullptr) << "cannot read " << png;
  EXPECT_EQ(image.width, 1280);
  EXPECT_EQ(image.height, 800);
  EXPECT_GT(image.distinct_colors(), 200u) << "the screenshot looks blank";
  auto run_after = reader.list_runs()[0];
  EXPECT_EQ(run_after.status, "stopped") << "SIGTERM stops the worker cleanly";
  bool checkpointed = false;  // a stop writes a step checkpoint the run can resume from
  for (const auto& entry : std::filesystem::directory_iterator(db + ".checkpoints/run-1", ignored))
    checkpointed = checkpointed || std::filesystem::exists(entry.path() / "model.safetensors");
  EXPECT_TRUE(checkpointed) << "a stopped run keeps a checkpoint of what it learned";
  EXPECT_GT(run_after.last_step, last_step);
}
#endif

TEST(Cli, EvalScoresARunFileLikeTrecEval) {
  const std::string fixtures = std::string(MULTIPOS_SOURCE_DIR) + "/tests/eval/fixtures/";
  Result eval = run("eval --qrels \"" + fixtures + "synthetic.qrels\" --run-file \"" + fixtures +
                    "synthetic.run\" --measures ndcg_cut_10,map --per-query");
  ASSERT_EQ(eval.status, 0) << eval.output;
  // Values from trec_eval (pytrec_eval-terrier), kept in tests/eval/fixtures/trec_eval_fixture.json.
  EXPECT_TRUE(contains(eval.output, "ndcg_cut_10           \tq1\t0.3902")) << eval.output;
  EXPECT_TRUE(contains(eval.output, "map                   \tq4\t0.4167")) << eval.output;
  EXPECT_TRUE(contains(eval.output, "num_q                 \tall\t5")) << eval.output;

  Result missing = run("eval --qrels \"" + fixtures + "absent.qrels\" --run-file \"" + fixtures + "synthetic.run\"");
  EXPECT_NE(missing.status, 0);
  EXPECT_TRUE(contains(missing.output, "absent.qrels")) << missing.output;
}

TEST(Cli, EvaluatesAStoredRunFromItsCheckpoint) {
  TempDir dir;
  std::string db = dir.file("runs.sqlite");
  ASSERT_EQ(run("train --config \"" + kQuickPreset + "\" --db \"" + db + "\" --objective summarglh --steps 20 --quiet").status, 0);
  Result eval = run("eval --db \"" + db + "\" --run 1 --split test");
  ASSERT_EQ(eval.status, 0) << eval.output;
  EXPECT_TRUE(contains(eval.output, "ndcg_cut_10")) << eval.output;
  RunStore store(db, RunStore::Mode::read_only);
  auto rows = store.evaluations(1, "test");
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].step, 19) << "stored at the checkpoint's step";

  std::filesystem::remove_all(db + ".checkpoints");
  Result missing = run("eval --db \"" + db + "\" --run 1 --split test");
  EXPECT_NE(missing.status, 0);
  EXPECT_TRUE(contains(missing.output, "no checkpoint")) << missing.output;
}
