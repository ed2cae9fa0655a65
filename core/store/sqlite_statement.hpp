// Thin RAII wrappers over sqlite3 handles used inside core/store only: a prepared statement with
// typed binds/reads, and a transaction guard that rolls back unless committed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace multipos::store::detail {

[[noreturn]] void throw_sqlite(sqlite3* db, const std::string& db_path, const std::string& what);

class Statement {
 public:
  Statement(sqlite3* db, const std::string& db_path, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, const std::string& value);
  // Returns true while a row is available; throws on error (busy after the timeout included).
  bool step();
  void run() { while (step()) {} }  // executes a statement whose rows are not needed
  void reset();                    // ready for new binds and another execution

  int64_t int_at(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real_at(int column) const { return sqlite3_column_double(stmt_, column); }
  std::string text_at(int column) const;

 private:
  sqlite3* db_;
  const std::string& db_path_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front, so a writer waits (busy timeout) instead of
// failing half-way through when a reader upgrades; destructor rolls back an uncommitted one.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& db_path);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  const std::string& db_path_;
  bool open_ = true;
};

void execute(sqlite3* db, const std::string& db_path, const char* sql);

}  // namespace multipos::store::detail
