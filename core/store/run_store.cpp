#include "core/store/run_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <utility>

#include "core/store/run_store_impl.hpp"
#include "core/store/schema.hpp"
#include "core/store/sqlite_statement.hpp"

namespace multipos::store {

using detail::execute;
using detail::Statement;
using detail::throw_sqlite;
using detail::Transaction;

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

const char* to_string(RunStatus status) {
  switch (status) {
    case RunStatus::queued: return "queued";
    case RunStatus::running: return "running";
    case RunStatus::finished: return "finished";
    case RunStatus::failed: return "failed";
    case RunStatus::stopped: return "stopped";
  }
  return "unknown";
}

RunStatus run_status_from_string(const std::string& text) {
  for (RunStatus s : {RunStatus::queued, RunStatus::running, RunStatus::finished, RunStatus::failed,
                      RunStatus::stopped})
    if (text == to_string(s)) return s;
  throw StoreError("unknown run status '" + text + "'");
}


namespace {

constexpr int kOpenBusyTimeoutMs = 3000;

int read_user_version(sqlite3* db, const std::string& path) {
  Statement version(db, path, "PRAGMA user_version");
  const int64_t value = version.step() ? version.int_at(0) : 0;
  // user_version is any 32-bit number another program may have set; a negative one would index
  // the migration list from before its start.
  if (value < 0)
    throw StoreError(path + ": database schema version " + std::to_string(value) +
                     " is not one multipos writes (not a multipos run store)");
  return static_cast<int>(value);
}

void migrate(sqlite3* db, const std::string& path) {
  Transaction transaction(db, path);
  int version = read_user_version(db, path);  // re-read under the write lock: another process may have migrated
  const auto& steps = migrations();
  for (int next = version + 1; next <= static_cast<int>(steps.size()); ++next) {
    execute(db, path, steps[next - 1]);
    execute(db, path, ("PRAGMA user_version = " + std::to_string(next)).c_str());
  }
  transaction.commit();
}

RunRecord read_run(const Statement& row) {
  RunRecord run;
  run.id = row.int_at(0);
  run.name = row.text_at(1);
  run.status = row.text_at(2);
  run.objective = row.text_at(3);
  run.dataset = row.text_at(4);
  run.config_json = row.text_at(5);
  run.seed = row.int_at(6);
  run.group_id = row.text_at(7);
  run.total_steps = row.int_at(8);
  run.created_at = row.real_at(9);
  run.started_at = row.real_at(10);
  run.finished_at = row.real_at(11);
  run.heartbeat_at = row.real_at(12);
  run.pid = row.int_at(13);
  run.host = row.text_at(14);
  run.error = row.text_at(15);
  run.tags = row.text_at(16);
  run.notes = row.text_at(17);
  run.last_step = row.int_at(18);
  run.last_loss = row.real_at(19);
  run.queue_position = row.int_at(20);
  run.gpus = row.text_at(21);
  return run;
}

// The last loss point is found through the (series_id, step) index, so listing runs stays cheap
// however long the series grow.
constexpr const char* kRunColumns = R"SQL(
SELECT r.id, r.name, r.status, r.objective, r.dataset, r.config_json, r.seed, r.group_id,
       r.total_steps, r.created_at, r.started_at, r.finished_at, r.heartbeat_at, r.pid, r.host,
       r.error, r.tags, r.notes,
       COALESCE((SELECT sc.step FROM scalars sc JOIN series se ON sc.series_id = se.id
                 WHERE se.run_id = r.id AND se.name = 'loss' ORDER BY sc.step DESC LIMIT 1), -1),
       COALESCE((SELECT sc.value FROM scalars sc JOIN series se ON sc.series_id = se.id
                 WHERE se.run_id = r.id AND se.name = 'loss' ORDER BY sc.step DESC LIMIT 1), 0),
       r.queue_position, r.gpus
FROM runs r
)SQL";

}  // namespace

RunStore::RunStore(const std::string& path, Mode mode) : path_(path), impl_(std::make_unique<Impl>()) {
  namespace fs = std::filesystem;
  if (mode == Mode::read_only && !fs::exists(path))
    throw StoreError(path + ": no such database (start a run first, or check the --db path)");
  if (mode == Mode::read_write && fs::exists(path) && fs::is_directory(path))
    throw StoreError(path + ": is a directory, not a database file");
  int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &impl_->db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
    throw_sqlite(impl_->db, path_, "cannot open database");
  sqlite3_extended_result_codes(impl_->db, 1);
  // A short wait while opening: a program holding an exclusive lock keeps it for long, and the
  // user should hear so in seconds; normal writers hold the lock for milliseconds.
  sqlite3_busy_timeout(impl_->db, kOpenBusyTimeoutMs);
  int version = read_user_version(impl_->db, path_);  // fails with NOTADB on a foreign file
  sqlite3_busy_timeout(impl_->db, 10000);
  if (version > kSchemaVersion)
    throw StoreError(path_ + ": database schema version " + std::to_string(version) +
                     " is newer than this build of multipos supports (" + std::to_string(kSchemaVersion) +
                     "); open it with a newer multipos");
  if (mode == Mode::read_only) {
    if (version == 0) throw StoreError(path_ + ": not a multipos run store (no schema)");
    execute(impl_->db, path_, "PRAGMA foreign_keys = ON");
    return;
  }
  execute(impl_->db, path_, "PRAGMA journal_mode = WAL");
  execute(impl_->db, path_, "PRAGMA synchronous = NORMAL");
  execute(impl_->db, path_, "PRAGMA foreign_keys = ON");
  if (version < kSchemaVersion) migrate(impl_->db, path_);
}

RunStore::~RunStore() = default;
RunStore::RunStore(RunStore&&) noexcept = default;
RunStore& RunStore::operator=(RunStore&&) noexcept = default;

int RunStore::schema_version() const { return read_user_version(impl_->db, path_); }

int64_t RunStore::create_run(const NewRun& run) {
  Transaction transaction(impl_->db, path_);
  Statement insert(impl_->db, path_,
                   "INSERT INTO runs(name, objective, dataset, config_json, seed, group_id, total_steps,"
                   " created_at, tags, notes, queue_position)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(queue_position), 0) + 1 FROM runs))");
  insert.bind(1, run.name).bind(2, run.objective).bind(3, run.dataset).bind(4, run.config_json);
  insert.bind(5, run.seed).bind(6, run.group_id).bind(7, run.total_steps).bind(8, now_seconds());
  insert.bind(9, run.tags).bind(10, run.notes).run();
  int64_t id = sqlite3_last_insert_rowid(impl_->db);
  transaction.commit();
  return id;
}

void RunStore::mark_started(int64_t run_id, int64_t pid, const std::string& host) {
  Statement update(impl_->db, path_,
                   "UPDATE runs SET status = 'running', started_at = ?, heartbeat_at = ?, pid = ?, host = ?,"
                   " error = '', finished_at = 0 WHERE id = ?");
  double now = now_seconds();
  update.bind(1, now).bind(2, now).bind(3, pid).bind(4, host).bind(5, run_id).run();
}

void RunStore::mark_finished(int64_t run_id, RunStatus status, const std::string& error) {
  Statement update(impl_->db, path_, "UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?");
  update.bind(1, std::string(to_string(status))).bind(2, now_seconds()).bind(3, error).bind(4, run_id).run();
}

void RunStore::set_config(int64_t run_id, const std::string& config_json) {
  Statement update(impl_->db, path_, "UPDATE runs SET config_json = ? WHERE id = ?");
  update.bind(1, config_json).bind(2, run_id).run();
}

void RunStore::set_status(int64_t run_id, RunStatus status) {
  Statement update(impl_->db, path_, "UPDATE runs SET status = ? WHERE id = ?");
  update.bind(1, std::string(to_string(status))).bind(2, run_id).run();
}

void RunStore::heartbeat(int64_t run_id) {
  Statement update(impl_->db, path_, "UPDATE runs SET heartbeat_at = ? WHERE id = ?");
  update.bind(1, now_seconds()).bind(2, run_id).run();
}

void RunStore::set_notes(int64_t run_id, const std::string& tags, const std::string& notes) {
  Statement update(impl_->db, path_, "UPDATE runs SET tags = ?, notes = ? WHERE id = ?");
  update.bind(1, tags).bind(2, notes).bind(3, run_id).run();
}

void RunStore::delete_run(int64_t run_id) {
  Transaction transaction(impl_->db, path_);
  // Tables without a foreign key (events), and the dataset record's tables explicitly too, so a
  // connection without foreign keys still leaves no row of the run behind.
  for (const char* table : {"events", "dataset_stats", "dataset_texts", "judgments"}) {
    const std::string sql = std::string("DELETE FROM ") + table + " WHERE run_id = ?";
    Statement(impl_->db, path_, sql.c_str()).bind(1, run_id).run();
  }
  Statement(impl_->db, path_, "DELETE FROM runs WHERE id = ?").bind(1, run_id).run();  // cascades
  transaction.commit();
  for (auto it = impl_->series_ids.begin(); it != impl_->series_ids.end();)
    it = it->first.first == run_id ? impl_->series_ids.erase(it) : std::next(it);
}

std::optional<RunRecord> RunStore::find_run(int64_t run_id) const {
  Statement select(impl_->db, path_, (std::string(kRunColumns) + " WHERE r.id = ?").c_str());
  select.bind(1, run_id);
  if (!select.step()) return std::nullopt;
  return read_run(select);
}

std::vector<RunRecord> RunStore::list_runs() const {
  Statement select(impl_->db, path_, (std::string(kRunColumns) + " ORDER BY r.id").c_str());
  std::vector<RunRecord> runs;
  while (select.step()) runs.push_back(read_run(select));
  return runs;
}

std::optional<int64_t> RunStore::claim_next_queued(const std::string& host, int max_running, int64_t claimer_pid) {
  return claim_next_queued(host, max_running, GpuChooser(), claimer_pid);
}

std::optional<int64_t> RunStore::claim_next_queued(const std::string& host, int max_running,
                                                   const GpuChooser& choose, int64_t claimer_pid) {
  Transaction transaction(impl_->db, path_);
  Statement count(impl_->db, path_, "SELECT COUNT(*) FROM runs WHERE status = 'running' AND host = ?");
  count.bind(1, host);
  if (!count.step() || count.int_at(0) >= max_running) return std::nullopt;
  Statement oldest(impl_->db, path_,
                   "SELECT id, config_json FROM runs WHERE status = 'queued' ORDER BY queue_position, id LIMIT 1");
  if (!oldest.step()) return std::nullopt;
  int64_t run_id = oldest.int_at(0);
  std::string gpus;
  if (choose) {
    std::vector<std::string> held;
    Statement holding(impl_->db, path_, "SELECT gpus FROM runs WHERE status = 'running' AND host = ? AND gpus != ''");
    holding.bind(1, host);
    while (holding.step()) held.push_back(holding.text_at(0));
    std::optional<std::string> chosen = choose(oldest.text_at(1), held);
    if (!chosen) return std::nullopt;
    gpus = *chosen;
  }
  Statement claim(impl_->db, path_,
                  "UPDATE runs SET status = 'running', started_at = ?, heartbeat_at = ?, pid = ?, host = ?,"
                  " error = '', finished_at = 0, gpus = ? WHERE id = ?");
  double now = now_seconds();
  claim.bind(1, now).bind(2, now).bind(3, -claimer_pid).bind(4, host).bind(5, gpus).bind(6, run_id).run();
  transaction.commit();
  return run_id;
}

bool RunStore::record_worker_pid(int64_t run_id, int64_t pid) {
  Statement update(impl_->db, path_, "UPDATE runs SET pid = ? WHERE id = ? AND status = 'running' AND pid <= 0");
  update.bind(1, pid).bind(2, run_id).run();
  return sqlite3_changes(impl_->db) == 1;
}

bool RunStore::fail_if_running(int64_t run_id, int64_t expected_pid, const std::string& error) {
  Statement update(impl_->db, path_,
                   "UPDATE runs SET status = 'failed', finished_at = ?, error = ?"
                   " WHERE id = ? AND status = 'running' AND pid = ?");
  update.bind(1, now_seconds()).bind(2, error).bind(3, run_id).bind(4, expected_pid).run();
  return sqlite3_changes(impl_->db) == 1;
}

bool RunStore::cancel_if_queued(int64_t run_id, const std::string& reason) {
  Statement update(impl_->db, path_,
                   "UPDATE runs SET status = 'stopped', finished_at = ?, error = ? WHERE id = ? AND status = 'queued'");
  update.bind(1, now_seconds()).bind(2, reason).bind(3, run_id).run();
  return sqlite3_changes(impl_->db) == 1;
}

std::string RunStore::integrity_check() const {
  Statement check(impl_->db, path_, "PRAGMA integrity_check");
  std::string report;
  while (check.step()) report += (report.empty() ? "" : "\n") + check.text_at(0);
  return report;
}

void RunStore::append_scalars(int64_t run_id, const std::vector<ScalarRow>& rows) {
  if (rows.empty()) return;
  Transaction transaction(impl_->db, path_);
  Statement insert(impl_->db, path_, "INSERT INTO scalars(series_id, step, wall_time, value) VALUES (?, ?, ?, ?)");
  for (const ScalarRow& row : rows) {
    insert.bind(1, impl_->series_id(path_, run_id, row.name)).bind(2, row.step);
    insert.bind(3, row.wall_time).bind(4, row.value).run();
    insert.reset();
  }
  try {
    transaction.commit();
  } catch (...) {
    impl_->series_ids.clear();  // ids cached inside the failed transaction were rolled back
    throw;
  }
}

std::vector<ScalarPoint> RunStore::scalars_after(int64_t after_row_id, int64_t run_id, int64_t limit) const {
  static const std::string base =
      "SELECT sc.id, se.run_id, se.name, sc.step, sc.wall_time, sc.value FROM scalars sc"
      " JOIN series se ON sc.series_id = se.id WHERE sc.id > ?";
  std::string sql = base + (run_id ? " AND se.run_id = ?" : "") + " ORDER BY sc.id LIMIT ?";
  Statement select(impl_->db, path_, sql.c_str());
  select.bind(1, after_row_id);
  if (run_id) select.bind(2, run_id);
  select.bind(run_id ? 3 : 2, limit);
  std::vector<ScalarPoint> points;
  while (select.step())
    points.push_back({select.int_at(0), select.int_at(1), select.text_at(2), select.int_at(3),
                      select.real_at(4), select.real_at(5)});
  return points;
}

std::vector<std::string> RunStore::series_names(int64_t run_id) const {
  Statement select(impl_->db, path_, "SELECT name FROM series WHERE run_id = ? ORDER BY name");
  select.bind(1, run_id);
  std::vector<std::string> names;
  while (select.step()) names.push_back(select.text_at(0));
  return names;
}

void RunStore::append_probe_rows(int64_t run_id, const std::vector<ProbeRow>& rows) {
  if (rows.empty()) return;
  Transaction transaction(impl_->db, path_);
  Statement insert(impl_->db, path_,
                   "INSERT INTO probes(run_id, step, query_id, passage_id, is_positive, positive_rank, score,"
                   " probability, gradient, grade, label_source, is_false_positive)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const ProbeRow& row : rows) {
    insert.bind(1, run_id).bind(2, row.step).bind(3, row.query_id).bind(4, row.passage_id);
    insert.bind(5, int64_t{row.is_positive}).bind(6, int64_t{row.positive_rank}).bind(7, row.score);
    insert.bind(8, row.probability).bind(9, row.gradient).bind(10, row.grade).bind(11, row.label_source);
    insert.bind(12, int64_t{row.is_false_positive}).run();
    insert.reset();
  }
  transaction.commit();
}

std::vector<ProbeRow> RunStore::probe_rows(int64_t run_id, int64_t step, const std::string& query_id) const {
  std::string sql =
      "SELECT step, query_id, passage_id, is_positive, positive_rank, score, probability, gradient, grade,"
      " label_source, is_false_positive FROM probes WHERE run_id = ? AND step = ?";
  if (!query_id.empty()) sql += " AND query_id = ?";
  sql += " ORDER BY query_id, is_positive DESC, positive_rank, score DESC";
  Statement select(impl_->db, path_, sql.c_str());
  select.bind(1, run_id).bind(2, step);
  if (!query_id.empty()) select.bind(3, query_id);
  std::vector<ProbeRow> rows;
  while (select.step()) {
    ProbeRow row;
    row.step = select.int_at(0);
    row.query_id = select.text_at(1);
    row.passage_id = select.text_at(2);
    row.is_positive = select.int_at(3) != 0;
    row.positive_rank = static_cast<int>(select.int_at(4));
    row.score = select.real_at(5);
    row.probability = select.real_at(6);
    row.gradient = select.real_at(7);
    row.grade = select.real_at(8);
    row.label_source = select.text_at(9);
    row.is_false_positive = select.int_at(10) != 0;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<int64_t> RunStore::probe_steps(int64_t run_id) const {
  Statement select(impl_->db, path_, "SELECT DISTINCT step FROM probes WHERE run_id = ? ORDER BY step");
  select.bind(1, run_id);
  std::vector<int64_t> steps;
  while (select.step()) steps.push_back(select.int_at(0));
  return steps;
}

void RunStore::append_evaluations(int64_t run_id, const std::vector<EvaluationRow>& rows) {
  if (rows.empty()) return;
  Transaction transaction(impl_->db, path_);
  Statement insert(impl_->db, path_,
                   "INSERT INTO evaluations(run_id, step, split, metric, query_id, value) VALUES (?, ?, ?, ?, ?, ?)");
  for (const EvaluationRow& row : rows) {
    insert.bind(1, run_id).bind(2, row.step).bind(3, row.split).bind(4, row.metric);
    insert.bind(5, row.query_id).bind(6, row.value).run();
    insert.reset();
  }
  transaction.commit();
}

std::vector<EvaluationRow> RunStore::evaluations(int64_t run_id, const std::string& split) const {
  std::string sql = "SELECT step, split, metric, query_id, value FROM evaluations WHERE run_id = ?";
  if (!split.empty()) sql += " AND split = ?";
  sql += " ORDER BY step, metric, query_id";
  Statement select(impl_->db, path_, sql.c_str());
  select.bind(1, run_id);
  if (!split.empty()) select.bind(2, split);
  std::vector<EvaluationRow> rows;
  while (select.step())
    rows.push_back({select.int_at(0), select.text_at(1), select.text_at(2), select.text_at(3), select.real_at(4)});
  return rows;
}

void RunStore::log_event(int64_t run_id, const std::string& level, const std::string& message) {
  Statement insert(impl_->db, path_, "INSERT INTO events(run_id, time, level, message) VALUES (?, ?, ?, ?)");
  insert.bind(1, run_id).bind(2, now_seconds()).bind(3, level).bind(4, message).run();
}

std::vector<EventRow> RunStore::events_after(int64_t after_row_id, int64_t run_id) const {
  std::string sql = "SELECT id, run_id, time, level, message FROM events WHERE id > ?";
  if (run_id) sql += " AND run_id = ?";
  sql += " ORDER BY id";
  Statement select(impl_->db, path_, sql.c_str());
  select.bind(1, after_row_id);
  if (run_id) select.bind(2, run_id);
  std::vector<EventRow> rows;
  while (select.step())
    rows.push_back({select.int_at(0), select.int_at(1), select.real_at(2), select.text_at(3), select.text_at(4)});
  return rows;
}

}  // namespace multipos::store
