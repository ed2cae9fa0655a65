// Writers and readers in separate processes on one database: no lost or duplicated rows.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>

#include "core/store/run_store.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::store::RunStore;
using multipos::store::ScalarRow;

namespace {

constexpr int kBatches = 60;
constexpr int kRowsPerBatch = 50;

// Child process body: appends kBatches transactions of kRowsPerBatch loss points to its run.
[[noreturn]] void write_series(const std::string& path, int64_t run_id) {
  int status = 0;
  try {
    RunStore store(path);
    for (int batch = 0; batch < kBatches; ++batch) {
      std::vector<ScalarRow> rows;
      for (int i = 0; i < kRowsPerBatch; ++i) {
        int64_t step = batch * kRowsPerBatch + i;
        rows.push_back({"loss", step, 0.0, static_cast<double>(step)});
      }
      store.append_scalars(run_id, rows);
      store.heartbeat(run_id);
    }
  } catch (const std::exception& error) {
    fprintf(stderr, "writer failed: %s\n", error.what());
    status = 1;
  }
  _exit(status);
}

}  // namespace

TEST(RunStoreConcurrency, WriterProcessesAndAPollingReaderLoseNothing) {
  multipos::testing::TempDir dir;
  std::string path = dir.file("shared.sqlite");
  std::vector<int64_t> run_ids;
  {
    RunStore setup(path);
    for (int i = 0; i < 4; ++i) {  // four writer processes at once
      multipos::store::NewRun run;
      run.name = "writer" + std::to_string(i);
      run.objective = "infonce";
      run.dataset = "synthetic";
      run.config_json = "{}";
      run_ids.push_back(setup.create_run(run));
    }
  }
  std::vector<pid_t> writers;
  for (int64_t run_id : run_ids) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) write_series(path, run_id);
    writers.push_back(pid);
  }

  // The reader polls while the writers run, exactly as the studio does.
  RunStore reader(path, RunStore::Mode::read_only);
  std::map<int64_t, std::multiset<int64_t>> seen;
  int64_t last_row = 0;
  int running = static_cast<int>(writers.size());
  auto drain = [&] {
    for (const auto& point : reader.scalars_after(last_row)) {
      EXPECT_GT(point.row_id, last_row);
      last_row = point.row_id;
      seen[point.run_id].insert(point.step);
    }
  };
  while (running > 0) {
    drain();
    for (pid_t& pid : writers) {
      if (pid == 0) continue;
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer process failed";
        pid = 0;
        --running;
      }
    }
    usleep(2000);
  }
  drain();

  for (int64_t run_id : run_ids) {
    const auto& steps = seen[run_id];
    ASSERT_EQ(steps.size(), static_cast<size_t>(kBatches * kRowsPerBatch)) << "run " << run_id;
    std::set<int64_t> unique(steps.begin(), steps.end());
    EXPECT_EQ(unique.size(), steps.size()) << "duplicated rows in run " << run_id;
    EXPECT_EQ(*unique.begin(), 0);
    EXPECT_EQ(*unique.rbegin(), kBatches * kRowsPerBatch - 1);
  }
}
