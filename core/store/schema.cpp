#include "core/store/schema.hpp"

namespace multipos::store {

namespace {

// Version 1: runs, interned series names with their points, probes, evaluations, events.
// Points reference a series (run + name) so a point row stays small; readers poll by rowid.
const char* kVersion1 = R"SQL(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  objective TEXT NOT NULL,
  dataset TEXT NOT NULL,
  config_json TEXT NOT NULL,
  seed INTEGER NOT NULL DEFAULT 0,
  group_id TEXT NOT NULL DEFAULT '',
  total_steps INTEGER NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  started_at REAL NOT NULL DEFAULT 0,
  finished_at REAL NOT NULL DEFAULT 0,
  heartbeat_at REAL NOT NULL DEFAULT 0,
  pid INTEGER NOT NULL DEFAULT 0,
  host TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE series (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  UNIQUE (run_id, name)
);
CREATE TABLE scalars (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  wall_time REAL NOT NULL,
  value REAL NOT NULL
);
CREATE INDEX scalars_by_series ON scalars(series_id, step);
CREATE TABLE probes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  query_id TEXT NOT NULL,
  passage_id TEXT NOT NULL,
  is_positive INTEGER NOT NULL,
  positive_rank INTEGER NOT NULL,
  score REAL NOT NULL,
  probability REAL NOT NULL,
  gradient REAL NOT NULL,
  grade REAL NOT NULL,
  label_source TEXT NOT NULL,
  is_false_positive INTEGER NOT NULL
);
CREATE INDEX probes_by_run_step ON probes(run_id, step, query_id);
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  split TEXT NOT NULL,
  metric TEXT NOT NULL,
  query_id TEXT NOT NULL DEFAULT '',
  value REAL NOT NULL
);
CREATE INDEX evaluations_by_run ON evaluations(run_id, split, step);
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL,
  time REAL NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
)SQL";

// Version 2: an explicit queue order (runs can be moved in the queue; new runs go last) and the
// top-k passages each probe query retrieved at every dev evaluation, for the query inspector.
const char* kVersion2 = R"SQL(
ALTER TABLE runs ADD COLUMN queue_position INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET queue_position = id;
CREATE TABLE retrieved (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  query_id TEXT NOT NULL,
  rank INTEGER NOT NULL,
  passage_id TEXT NOT NULL,
  score REAL NOT NULL
);
CREATE INDEX retrieved_by_run_step ON retrieved(run_id, step, query_id, rank);
)SQL";

// Version 3: the GPUs a running run holds on its host (CUDA_VISIBLE_DEVICES indices, e.g. "0,1";
// empty when it holds none), so the scheduler gives every worker its own GPUs.
const char* kVersion3 = R"SQL(
ALTER TABLE runs ADD COLUMN gpus TEXT NOT NULL DEFAULT '';
)SQL";

// Version 4: what the studio shows of each run's dataset, so it reads only the store (the
// dataset's files may be gone): the dataset's statistics as the run trained on it (JSON of
// store::DatasetStats), the texts of its probe queries and of the passages the studio lists
// (probe passages, retrieved passages; each once per run) and the probe queries' judgments with
// the run's label regime and noise applied.
const char* kVersion4 = R"SQL(
CREATE TABLE dataset_stats (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  stats_json TEXT NOT NULL,
  recorded_at REAL NOT NULL
);
CREATE TABLE dataset_texts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('query', 'passage')),
  item_id TEXT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (run_id, kind, item_id)
);
CREATE TABLE judgments (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  query_id TEXT NOT NULL,
  passage_id TEXT NOT NULL,
  grade REAL NOT NULL,
  label_source TEXT NOT NULL,
  is_false_positive INTEGER NOT NULL,
  PRIMARY KEY (run_id, query_id, passage_id)
);
)SQL";

}  // namespace

const std::vector<const char*>& migrations() {
  static const std::vector<const char*> all = {kVersion1, kVersion2, kVersion3, kVersion4};
  return all;
}

}  // namespace multipos::store
