// RunStore: resume support (requeue, truncating re-recorded steps), the queue order, the
// retrieved-passages table of the query inspector, and the maintenance `multipos doctor` runs.
#include <sqlite3.h>

#include <algorithm>

#include "core/store/run_store.hpp"
#include "core/store/run_store_impl.hpp"
#include "core/store/sqlite_statement.hpp"

namespace multipos::store {

using detail::execute;
using detail::Statement;
using detail::Transaction;

namespace {

std::string run_status(sqlite3* db, const std::string& path, int64_t run_id) {
  Statement select(db, path, "SELECT status FROM runs WHERE id = ?");
  select.bind(1, run_id);
  if (!select.step()) throw StoreError(path + ": run " + std::to_string(run_id) + " does not exist");
  return select.text_at(0);
}

int64_t count_of(sqlite3* db, const std::string& path, const std::string& sql) {
  Statement count(db, path, sql.c_str());
  return count.step() ? count.int_at(0) : 0;
}

// Each orphan kind as the WHERE clause selecting its rows, so counting and deleting agree.
struct OrphanKind {
  const char* table;
  const char* where;
  int64_t OrphanReport::*field;
};

const OrphanKind kOrphanKinds[] = {
    // scalars first: a series deleted below would otherwise hide its points from this check.
    {"scalars", "series_id NOT IN (SELECT id FROM series) OR series_id IN (SELECT id FROM series WHERE"
                " run_id NOT IN (SELECT id FROM runs))",
     &OrphanReport::scalars},
    {"series", "run_id NOT IN (SELECT id FROM runs)", &OrphanReport::series},
    {"probes", "run_id NOT IN (SELECT id FROM runs)", &OrphanReport::probes},
    {"evaluations", "run_id NOT IN (SELECT id FROM runs)", &OrphanReport::evaluations},
    {"events", "run_id NOT IN (SELECT id FROM runs)", &OrphanReport::events},
    {"retrieved", "run_id NOT IN (SELECT id FROM runs)", &OrphanReport::retrieved},
    {"dataset_stats", "run_id NOT IN (SELECT id FROM runs)", &OrphanReport::dataset_stats},
    {"dataset_texts", "run_id NOT IN (SELECT id FROM runs)", &OrphanReport::dataset_texts},
    {"judgments", "run_id NOT IN (SELECT id FROM runs)", &OrphanReport::judgments},
};

}  // namespace

void RunStore::requeue(int64_t run_id) {
  Transaction transaction(impl_->db, path_);
  const std::string status = run_status(impl_->db, path_, run_id);
  if (status != "stopped" && status != "failed")
    throw StoreError(path_ + ": run " + std::to_string(run_id) + " is " + status +
                     "; only a stopped or failed run can be resumed");
  Statement update(impl_->db, path_,
                   "UPDATE runs SET status = 'queued', pid = 0, error = '', finished_at = 0,"
                   " queue_position = (SELECT COALESCE(MAX(queue_position), 0) + 1 FROM runs) WHERE id = ?");
  update.bind(1, run_id).run();
  transaction.commit();
}

void RunStore::delete_rows_after_step(int64_t run_id, int64_t step) {
  Transaction transaction(impl_->db, path_);
  Statement(impl_->db, path_,
            "DELETE FROM scalars WHERE step > ? AND series_id IN (SELECT id FROM series WHERE run_id = ?)")
      .bind(1, step)
      .bind(2, run_id)
      .run();
  for (const char* table : {"probes", "evaluations", "retrieved"}) {
    std::string sql = std::string("DELETE FROM ") + table + " WHERE run_id = ? AND step > ?";
    Statement(impl_->db, path_, sql.c_str()).bind(1, run_id).bind(2, step).run();
  }
  transaction.commit();
}

std::vector<int64_t> RunStore::queue_order() const {
  Statement select(impl_->db, path_, "SELECT id FROM runs WHERE status = 'queued' ORDER BY queue_position, id");
  std::vector<int64_t> ids;
  while (select.step()) ids.push_back(select.int_at(0));
  return ids;
}

int64_t RunStore::move_in_queue(int64_t run_id, int64_t position) {
  Transaction transaction(impl_->db, path_);
  const std::string status = run_status(impl_->db, path_, run_id);
  if (status != "queued")
    throw StoreError(path_ + ": run " + std::to_string(run_id) + " is " + status + ", not queued; only a queued run can be moved");
  std::vector<int64_t> order = queue_order();
  order.erase(std::remove(order.begin(), order.end(), run_id), order.end());
  const int64_t index = std::clamp<int64_t>(position, 1, static_cast<int64_t>(order.size()) + 1) - 1;
  order.insert(order.begin() + index, run_id);
  // Renumber the queued runs after the highest position any run holds, so runs created later
  // (MAX + 1) still land behind them.
  int64_t base = count_of(impl_->db, path_, "SELECT COALESCE(MAX(queue_position), 0) FROM runs");
  Statement update(impl_->db, path_, "UPDATE runs SET queue_position = ? WHERE id = ?");
  for (size_t i = 0; i < order.size(); ++i) {
    update.bind(1, base + 1 + static_cast<int64_t>(i)).bind(2, order[i]).run();
    update.reset();
  }
  transaction.commit();
  return index + 1;
}

void RunStore::append_retrieved(int64_t run_id, const std::vector<RetrievedRow>& rows) {
  if (rows.empty()) return;
  Transaction transaction(impl_->db, path_);
  Statement insert(impl_->db, path_,
                   "INSERT INTO retrieved(run_id, step, query_id, rank, passage_id, score) VALUES (?, ?, ?, ?, ?, ?)");
  for (const RetrievedRow& row : rows) {
    insert.bind(1, run_id).bind(2, row.step).bind(3, row.query_id).bind(4, int64_t{row.rank});
    insert.bind(5, row.passage_id).bind(6, row.score).run();
    insert.reset();
  }
  transaction.commit();
}

std::vector<RetrievedRow> RunStore::retrieved(int64_t run_id, int64_t step, const std::string& query_id) const {
  std::string sql = "SELECT step, query_id, rank, passage_id, score FROM retrieved WHERE run_id = ? AND step = ?";
  if (!query_id.empty()) sql += " AND query_id = ?";
  sql += " ORDER BY query_id, rank";
  Statement select(impl_->db, path_, sql.c_str());
  select.bind(1, run_id).bind(2, step);
  if (!query_id.empty()) select.bind(3, query_id);
  std::vector<RetrievedRow> rows;
  while (select.step())
    rows.push_back({select.int_at(0), select.text_at(1), static_cast<int>(select.int_at(2)), select.text_at(3),
                    select.real_at(4)});
  return rows;
}

std::vector<int64_t> RunStore::retrieved_steps(int64_t run_id) const {
  Statement select(impl_->db, path_, "SELECT DISTINCT step FROM retrieved WHERE run_id = ? ORDER BY step");
  select.bind(1, run_id);
  std::vector<int64_t> steps;
  while (select.step()) steps.push_back(select.int_at(0));
  return steps;
}

void RunStore::checkpoint_wal() {
  Statement checkpoint(impl_->db, path_, "PRAGMA wal_checkpoint(TRUNCATE)");
  // Columns: busy (1 when a reader or writer kept the checkpoint from finishing), log, checkpointed.
  if (checkpoint.step() && checkpoint.int_at(0) != 0)
    throw StoreError(path_ + ": WAL checkpoint could not finish: another connection is reading or writing");
}

void RunStore::reindex() { execute(impl_->db, path_, "REINDEX"); }

OrphanReport RunStore::orphan_rows() const {
  OrphanReport report;
  for (const OrphanKind& kind : kOrphanKinds)
    report.*kind.field = count_of(impl_->db, path_, std::string("SELECT COUNT(*) FROM ") + kind.table + " WHERE " + kind.where);
  return report;
}

OrphanReport RunStore::delete_orphan_rows() {
  Transaction transaction(impl_->db, path_);
  OrphanReport report;
  for (const OrphanKind& kind : kOrphanKinds) {
    Statement(impl_->db, path_, (std::string("DELETE FROM ") + kind.table + " WHERE " + kind.where).c_str()).run();
    report.*kind.field = sqlite3_changes(impl_->db);
  }
  transaction.commit();
  impl_->series_ids.clear();
  return report;
}

}  // namespace multipos::store
