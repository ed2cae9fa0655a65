// The RunStore's private state, shared by the files that implement RunStore (run_store.cpp,
// run_store_queue.cpp); nothing outside core/store includes it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "core/store/run_store.hpp"
#include "core/store/sqlite_statement.hpp"

namespace multipos::store {

class RunStore::Impl {
 public:
  sqlite3* db = nullptr;
  std::map<std::pair<int64_t, std::string>, int64_t> series_ids;  // writer-side cache

  ~Impl() { sqlite3_close_v2(db); }

  int64_t series_id(const std::string& path, int64_t run_id, const std::string& name) {
    auto key = std::make_pair(run_id, name);
    auto found = series_ids.find(key);
    if (found != series_ids.end()) return found->second;
    detail::Statement insert(db, path, "INSERT OR IGNORE INTO series(run_id, name) VALUES (?, ?)");
    insert.bind(1, run_id).bind(2, name).run();
    detail::Statement select(db, path, "SELECT id FROM series WHERE run_id = ? AND name = ?");
    select.bind(1, run_id).bind(2, name);
    if (!select.step()) throw StoreError(path + ": series '" + name + "' vanished while writing");
    int64_t id = select.int_at(0);
    series_ids.emplace(key, id);
    return id;
  }
};

}  // namespace multipos::store
