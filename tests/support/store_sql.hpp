// Test helpers that touch a run store below RunStore's API: raw SQL (to damage, downgrade or
// empty tables on purpose), a single count, and a minimal queued run.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "core/store/run_store.hpp"

namespace multipos::testing {

inline void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// The first column of the first row of `sql`, -1 when there is none.
inline int64_t sql_count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* statement = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW)
    value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// A queued run named and trained as `name` on "synthetic" with an empty config.
inline int64_t add_run(store::RunStore& db, const std::string& name) {
  store::NewRun run;
  run.name = run.objective = name;
  run.dataset = "synthetic";
  run.config_json = "{}";
  return db.create_run(run);
}

}  // namespace multipos::testing
