// Run-store throughput: rows per second a worker ingests in batched transactions, against a plain
// SQLite loop inserting the same rows with one prepared statement in one transaction (the
// ceiling for this schema-less insert); then the studio's incremental poll cost with 20 runs x
// 100k points stored, for a few new rows and for many, to show it follows the new rows only.
// Usage: bench_store [points_per_run]
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using multipos::store::RunStore;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string scratch(const std::string& name) {
  auto path = std::filesystem::temp_directory_path() / ("multipos-bench-" + std::to_string(getpid()) + "-" + name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// The peer: raw sqlite3 with the same WAL settings, one table (run, name, step, wall, value).
double plain_sqlite_rows_per_second(int64_t rows, int64_t batch) {
  std::string path = scratch("plain.sqlite");
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                   "CREATE TABLE points(run INTEGER, name TEXT, step INTEGER, wall REAL, value REAL)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO points VALUES (?, ?, ?, ?, ?)", -1, &insert, nullptr);
  auto start = Clock::now();
  for (int64_t done = 0; done < rows; done += batch) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (int64_t i = done; i < done + batch && i < rows; ++i) {
      sqlite3_bind_int64(insert, 1, 1);
      sqlite3_bind_text(insert, 2, i % 2 ? "loss" : "lr", -1, SQLITE_STATIC);
      sqlite3_bind_int64(insert, 3, i / 2);
      sqlite3_bind_double(insert, 4, 0.0);
      sqlite3_bind_double(insert, 5, static_cast<double>(i));
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  double rate = static_cast<double>(rows) / seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  remove_db(path);
  return rate;
}

double store_rows_per_second(int64_t rows, int64_t batch) {
  std::string path = scratch("store.sqlite");
  RunStore store(path);
  multipos::store::NewRun run;
  run.name = run.objective = run.dataset = "bench";
  run.config_json = "{}";
  int64_t id = store.create_run(run);
  std::vector<multipos::store::ScalarRow> rows_batch;
  auto start = Clock::now();
  for (int64_t done = 0; done < rows; done += batch) {
    rows_batch.clear();
    for (int64_t i = done; i < done + batch && i < rows; ++i)
      rows_batch.push_back({i % 2 ? "loss" : "lr", i / 2, 0.0, static_cast<double>(i)});
    store.append_scalars(id, rows_batch);
  }
  double rate = static_cast<double>(rows) / seconds_since(start);
  remove_db(path);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t points_per_run = argc > 1 ? std::atoll(argv[1]) : 100000;
  const int64_t rows = 1000000, batch = 1000;
  std::printf("bench_store: %lld rows in transactions of %lld (1 thread)\n", static_cast<long long>(rows),
              static_cast<long long>(batch));
  double ours = store_rows_per_second(rows, batch);
  double plain = plain_sqlite_rows_per_second(rows, batch);
  std::printf("%-36s %12.0f rows/s\n%-36s %12.0f rows/s\n%-36s %12.2f\n", "RunStore::append_scalars", ours,
              "plain sqlite3 insert loop (peer)", plain, "ratio (ours / peer)", ours / plain);

  std::string path = scratch("poll.sqlite");
  RunStore writer(path);
  std::vector<int64_t> ids;
  for (int r = 0; r < 20; ++r) {
    multipos::store::NewRun run;
    run.name = "run" + std::to_string(r);
    run.objective = run.dataset = "bench";
    run.config_json = "{}";
    ids.push_back(writer.create_run(run));
    std::vector<multipos::store::ScalarRow> rows_batch;
    for (int64_t step = 0; step < points_per_run; ++step) rows_batch.push_back({"loss", step, 0.0, 1.0 / (1 + step)});
    writer.append_scalars(ids.back(), rows_batch);
  }
  RunStore reader(path, RunStore::Mode::read_only);
  auto first = Clock::now();
  auto everything = reader.scalars_after(0, 0, int64_t{1} << 40);
  double full = seconds_since(first);
  int64_t last = everything.back().row_id;
  std::printf("\npoll with 20 runs x %lld points stored (%zu rows):\n", static_cast<long long>(points_per_run),
              everything.size());
  std::printf("%-36s %10.3f ms\n", "first poll (every row)", 1000 * full);
  for (int64_t fresh : {int64_t{0}, int64_t{100}, int64_t{10000}}) {
    std::vector<multipos::store::ScalarRow> rows_batch;
    for (int64_t i = 0; i < fresh; ++i) rows_batch.push_back({"loss", points_per_run + i, 0.0, 0.5});
    writer.append_scalars(ids[0], rows_batch);
    auto start = Clock::now();
    auto polled = reader.scalars_after(last);
    double took = seconds_since(start);
    if (!polled.empty()) last = polled.back().row_id;
    std::printf("incremental poll, %6lld new rows      %10.3f ms\n", static_cast<long long>(fresh), 1000 * took);
  }
  remove_db(path);
  return 0;
}
