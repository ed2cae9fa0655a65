// RunStore: the run's dataset as the studio shows it (schema version 4): statistics, the texts of
// probe queries and listed passages, and the probe queries' judgments. Written by the worker when
// a run starts and at dev evaluations, or by `multipos data store-texts` for older runs.
#include <sqlite3.h>

#include "core/store/run_store.hpp"
#include "core/store/run_store_impl.hpp"
#include "core/store/sqlite_statement.hpp"

namespace multipos::store {

using detail::Statement;
using detail::Transaction;

namespace {

constexpr int kFirstVersionWithTexts = 4;

void insert_texts(sqlite3* db, const std::string& path, int64_t run_id, const char* kind,
                  const std::vector<StoredText>& texts) {
  Statement insert(db, path, "INSERT OR IGNORE INTO dataset_texts(run_id, kind, item_id, text) VALUES (?, ?, ?, ?)");
  for (const StoredText& text : texts) {
    insert.bind(1, run_id).bind(2, std::string(kind)).bind(3, text.id).bind(4, text.text).run();
    insert.reset();
  }
}

std::vector<StoredText> read_texts(sqlite3* db, const std::string& path, int64_t run_id, const char* kind) {
  Statement select(db, path, "SELECT item_id, text FROM dataset_texts WHERE run_id = ? AND kind = ? ORDER BY item_id");
  select.bind(1, run_id).bind(2, std::string(kind));
  std::vector<StoredText> texts;
  while (select.step()) texts.push_back({select.text_at(0), select.text_at(1)});
  return texts;
}

}  // namespace

void RunStore::record_dataset(int64_t run_id, const RunDatasetRecord& record) {
  Transaction transaction(impl_->db, path_);
  if (!record.stats_json.empty()) {
    Statement upsert(impl_->db, path_,
                     "INSERT OR REPLACE INTO dataset_stats(run_id, stats_json, recorded_at) VALUES (?, ?, ?)");
    upsert.bind(1, run_id).bind(2, record.stats_json).bind(3, now_seconds()).run();
  }
  insert_texts(impl_->db, path_, run_id, "query", record.queries);
  insert_texts(impl_->db, path_, run_id, "passage", record.passages);
  Statement insert(impl_->db, path_,
                   "INSERT OR IGNORE INTO judgments(run_id, query_id, passage_id, grade, label_source,"
                   " is_false_positive) VALUES (?, ?, ?, ?, ?, ?)");
  for (const StoredJudgment& judgment : record.judgments) {
    insert.bind(1, run_id).bind(2, judgment.query_id).bind(3, judgment.passage_id).bind(4, judgment.grade);
    insert.bind(5, judgment.label_source).bind(6, int64_t{judgment.is_false_positive}).run();
    insert.reset();
  }
  transaction.commit();
}

void RunStore::append_passage_texts(int64_t run_id, const std::vector<StoredText>& passages) {
  if (passages.empty()) return;
  Transaction transaction(impl_->db, path_);
  insert_texts(impl_->db, path_, run_id, "passage", passages);
  transaction.commit();
}

RunDatasetRecord RunStore::dataset_record(int64_t run_id) const {
  RunDatasetRecord record;
  if (schema_version() < kFirstVersionWithTexts) return record;  // an older store opened read-only
  Statement stats(impl_->db, path_, "SELECT stats_json FROM dataset_stats WHERE run_id = ?");
  stats.bind(1, run_id);
  if (stats.step()) record.stats_json = stats.text_at(0);
  record.queries = read_texts(impl_->db, path_, run_id, "query");
  record.passages = read_texts(impl_->db, path_, run_id, "passage");
  Statement judgments(impl_->db, path_,
                      "SELECT query_id, passage_id, grade, label_source, is_false_positive FROM judgments"
                      " WHERE run_id = ? ORDER BY query_id, passage_id");
  judgments.bind(1, run_id);
  while (judgments.step())
    record.judgments.push_back({judgments.text_at(0), judgments.text_at(1), judgments.real_at(2), judgments.text_at(3),
                                judgments.int_at(4) != 0});
  return record;
}

bool RunStore::has_dataset_stats(int64_t run_id) const {
  if (schema_version() < kFirstVersionWithTexts) return false;
  Statement select(impl_->db, path_, "SELECT 1 FROM dataset_stats WHERE run_id = ?");
  select.bind(1, run_id);
  return select.step();
}

}  // namespace multipos::store
