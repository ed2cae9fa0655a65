// The studio's one background-worker type: job order (oldest first, newest first, latest only),
// a missing store reported as such and opened once it exists, a failure that reopens the store,
// the periodic job and poke(), and a destructor that lets the running job see stopping() and end.
// Jobs are held at a gate instead of timed, so the order is the same on any machine.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "tests/ui/ui_test_support.hpp"
#include "ui/background/store_worker.hpp"

using multipos::ui::StoreFailure;
using multipos::ui::StoreWorker;
using multipos::ui::testing::eventually;
using multipos::ui::testing::TempDir;
namespace store = multipos::store;

namespace {

int64_t add_run(store::RunStore& writer, const std::string& name) {
  store::NewRun run;
  run.name = name;
  run.objective = "lsepair";
  run.config_json = "{}";
  return writer.create_run(run);
}

// Records the order jobs ran in.
struct Journal {
  std::mutex mutex;
  std::vector<int> order;
  void add(int value) {
    std::lock_guard<std::mutex> lock(mutex);
    order.push_back(value);
  }
  std::vector<int> read() {
    std::lock_guard<std::mutex> lock(mutex);
    return order;
  }
};

std::vector<int> run_in_order(StoreWorker::Order order, const std::string& db) {
  Journal journal;
  std::promise<void> started, release;
  std::shared_future<void> gate = release.get_future().share();
  {
    StoreWorker worker({db, order, {}, nullptr, nullptr});
    worker.post(
        [&](store::RunStore&) {
          started.set_value();
          gate.wait();
        },
        nullptr);
    started.get_future().wait();  // the worker holds the first job: the next three wait in its queue
    for (int i = 1; i <= 3; ++i) worker.post([&journal, i](store::RunStore&) { journal.add(i); }, nullptr);
    EXPECT_EQ(worker.waiting(), order == StoreWorker::Order::latest_only ? 1u : 3u);
    release.set_value();
    EXPECT_TRUE(eventually([&] { return worker.waiting() == 0; }));
  }  // the destructor lets the last job finish
  return journal.read();
}

}  // namespace

TEST(StoreWorker, RunsJobsInTheOrderItWasGiven) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  store::RunStore(db).list_runs();
  EXPECT_EQ(run_in_order(StoreWorker::Order::oldest_first, db), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(run_in_order(StoreWorker::Order::newest_first, db), (std::vector<int>{3, 2, 1}));
  EXPECT_EQ(run_in_order(StoreWorker::Order::latest_only, db), (std::vector<int>{3}));
}

TEST(StoreWorker, AMissingStoreIsReportedAsMissingAndOpenedOnceItExists) {
  TempDir dir;
  const std::string db = dir.file("later.sqlite");
  StoreWorker worker({db, StoreWorker::Order::oldest_first, {}, nullptr, nullptr});
  std::promise<StoreFailure> failed;
  worker.post([](store::RunStore&) { ADD_FAILURE() << "no store to run against"; },
              [&](const StoreFailure& failure) { failed.set_value(failure); });
  const StoreFailure failure = failed.get_future().get();
  EXPECT_TRUE(failure.missing);
  EXPECT_NE(failure.message.find(db), std::string::npos) << failure.message;
  EXPECT_FALSE(std::filesystem::exists(db)) << "a reader never creates the store";

  store::RunStore writer(db);
  add_run(writer, "first");
  std::promise<size_t> runs;
  worker.post([&](store::RunStore& reader) { runs.set_value(reader.list_runs().size()); },
              [&](const StoreFailure& late) { ADD_FAILURE() << late.message; });
  EXPECT_EQ(runs.get_future().get(), 1u);
}

TEST(StoreWorker, AFailedJobReopensTheStoreForTheNextOne) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  {
    store::RunStore writer(db);
    add_run(writer, "old");
  }
  StoreWorker worker({db, StoreWorker::Order::oldest_first, {}, nullptr, nullptr});
  std::promise<size_t> before;
  worker.post([&](store::RunStore& reader) { before.set_value(reader.list_runs().size()); }, nullptr);
  ASSERT_EQ(before.get_future().get(), 1u);

  // Another store replaces the file while the worker holds the old one open.
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  {
    store::RunStore writer(db);
    add_run(writer, "new-1");
    add_run(writer, "new-2");
  }
  std::promise<StoreFailure> failed;
  worker.post([](store::RunStore&) { throw store::StoreError("database is locked"); },
              [&](const StoreFailure& failure) { failed.set_value(failure); });
  const StoreFailure failure = failed.get_future().get();
  EXPECT_FALSE(failure.missing);
  EXPECT_EQ(failure.message, "database is locked");
  std::promise<size_t> after;
  worker.post([&](store::RunStore& reader) { after.set_value(reader.list_runs().size()); }, nullptr);
  EXPECT_EQ(after.get_future().get(), 2u) << "the job after a failure reads the file as it is now";
}

TEST(StoreWorker, ThePeriodicJobRunsAtStartAndWhenPoked) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  store::RunStore(db).list_runs();
  std::atomic<int> polls{0};
  StoreWorker worker({db, StoreWorker::Order::oldest_first, std::chrono::hours(1),
                      [&](store::RunStore&) { ++polls; }, nullptr});
  ASSERT_TRUE(eventually([&] { return polls == 1; }));
  worker.poke();
  ASSERT_TRUE(eventually([&] { return polls == 2; }));
  std::promise<void> ran;
  worker.post([&](store::RunStore&) { ran.set_value(); }, nullptr);
  ran.get_future().wait();
  EXPECT_EQ(polls, 2) << "a posted job is not a poll";
}

TEST(StoreWorker, DestructionLetsTheRunningJobSeeStoppingAndEnd) {
  TempDir dir;
  const std::string db = dir.file("runs.sqlite");
  store::RunStore(db).list_runs();
  std::atomic<bool> ended{false};
  std::promise<void> started;
  {
    StoreWorker worker({db, StoreWorker::Order::oldest_first, {}, nullptr, nullptr});
    worker.post(
        [&](store::RunStore&) {
          started.set_value();
          while (!worker.stopping()) std::this_thread::yield();
          ended = true;
        },
        nullptr);
    started.get_future().wait();
  }
  EXPECT_TRUE(ended) << "the destructor joined after the job ended";
}
