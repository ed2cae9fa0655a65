#include "core/store/sqlite_statement.hpp"

#include "core/store/run_store.hpp"

namespace multipos::store::detail {

void throw_sqlite(sqlite3* db, const std::string& db_path, const std::string& what) {
  std::string reason = db ? sqlite3_errmsg(db) : "out of memory";
  int code = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
  std::string hint;
  if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
    hint = " (the database is locked by another program; retry when it is released)";
  if ((code & 0xff) == SQLITE_FULL) hint = " (the disk is full; nothing of this batch was written)";
  if ((code & 0xff) == SQLITE_NOTADB) hint = " (the file is not a SQLite database)";
  if ((code & 0xff) == SQLITE_IOERR)
    hint = " (a write to the database failed: the disk may be full or the file size limited; nothing of this "
           "batch was written)";
  throw StoreError(db_path + ": " + what + ": " + reason + hint);
}

Statement::Statement(sqlite3* db, const std::string& db_path, const char* sql)
    : db_(db), db_path_(db_path) {
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK)
    throw_sqlite(db_, db_path_, "cannot prepare statement");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) throw_sqlite(db_, db_path_, "bind");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) throw_sqlite(db_, db_path_, "bind");
  return *this;
}

Statement& Statement::bind(int index, const std::string& value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK)
    throw_sqlite(db_, db_path_, "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  throw_sqlite(db_, db_path_, "statement failed");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text_at(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

void execute(sqlite3* db, const std::string& db_path, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message ? message : "unknown error";
    sqlite3_free(message);
    throw StoreError(db_path + ": " + reason);
  }
}

Transaction::Transaction(sqlite3* db, const std::string& db_path) : db_(db), db_path_(db_path) {
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    throw_sqlite(db_, db_path_, "cannot begin a write transaction");
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    throw_sqlite(db_, db_path_, "cannot commit");
  open_ = false;
}

}  // namespace multipos::store::detail
