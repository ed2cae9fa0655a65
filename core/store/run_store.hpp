// The run store: every run, its scalar series, diagnostics, probes, evaluations and events live in
// one SQLite file (WAL mode) shared by worker processes (writers) and the studio (reader).
// Thread-safety: a RunStore is used by one thread at a time; open one per thread or process.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace multipos::store {

// Raised for every store failure; the message names the database file and what went wrong.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Schema version this build writes; a database with a higher version is refused.
constexpr int kSchemaVersion = 4;

// Run life cycle as stored in runs.status.
enum class RunStatus { queued, running, finished, failed, stopped };
const char* to_string(RunStatus status);
RunStatus run_status_from_string(const std::string& text);  // throws StoreError on unknown text

struct NewRun {
  std::string name;
  std::string objective;
  std::string dataset;
  std::string config_json;  // the full, resolved config the worker trains with
  int64_t seed = 0;
  std::string group_id;     // runs launched together (one per objective) share it
  int64_t total_steps = 0;
  std::string tags;
  std::string notes;
};

struct RunRecord {
  int64_t id = 0;
  std::string name, status, objective, dataset, config_json, group_id, host, error, tags, notes;
  int64_t seed = 0, pid = 0, total_steps = 0;
  double created_at = 0, started_at = 0, finished_at = 0, heartbeat_at = 0;  // unix seconds, 0 = unset
  int64_t last_step = -1;       // highest step with a "loss" point, -1 when none
  double last_loss = 0;
  int64_t queue_position = 0;   // claim order of queued runs (lower first, then creation)
  std::string gpus;             // GPUs it holds while running ("0,1"), empty when none
};

// One point of a named series (loss, lr, diag/..., eval/...) of a run.
struct ScalarRow {
  std::string name;
  int64_t step = 0;
  double wall_time = 0;
  double value = 0;
};

// A stored point as read back; row_id grows monotonically so readers poll "rows after the last id".
struct ScalarPoint {
  int64_t row_id = 0;
  int64_t run_id = 0;
  std::string name;
  int64_t step = 0;
  double wall_time = 0;
  double value = 0;
};

// Probe snapshot row: one passage of one probe query at one step.
struct ProbeRow {
  int64_t step = 0;
  std::string query_id;
  std::string passage_id;
  bool is_positive = false;
  int positive_rank = 0;        // 1 = highest-scored positive; 0 for negatives
  double score = 0, probability = 0, gradient = 0, grade = 0;
  std::string label_source;     // "human", "llm", ... empty for negatives
  bool is_false_positive = false;
};

struct EventRow {
  int64_t row_id = 0;
  int64_t run_id = 0;
  double time = 0;
  std::string level;   // info | warning | error
  std::string message;
};

struct EvaluationRow {
  int64_t step = 0;
  std::string split;     // dev | test
  std::string metric;    // ndcg@10, recall@100, ...
  std::string query_id;  // empty for the aggregate
  double value = 0;
};

// One of the top-k passages a probe query retrieved at a dev evaluation (the query inspector).
struct RetrievedRow {
  int64_t step = 0;
  std::string query_id;
  int rank = 0;              // 1 = best scored
  std::string passage_id;
  double score = 0;
};

// One text of a run's dataset (a query or a passage) as the studio shows it.
struct StoredText {
  std::string id;
  std::string text;
};

// A judged passage of a stored query, as the run trained (label regime and noise applied).
struct StoredJudgment {
  std::string query_id;
  std::string passage_id;
  double grade = 0;
  std::string label_source;
  bool is_false_positive = false;
};

// What the studio shows of a run's dataset, stored with the run (schema version 4) so the studio
// never loads the dataset itself.
struct RunDatasetRecord {
  std::string stats_json;                 // store::DatasetStats as JSON; "" when none is stored
  std::vector<StoredText> queries;        // the probe queries
  std::vector<StoredText> passages;       // probe passages (judged and fixed negatives), retrieved ones
  std::vector<StoredJudgment> judgments;  // every judged passage of the stored queries
  bool empty() const { return stats_json.empty() && queries.empty() && passages.empty() && judgments.empty(); }
};

// What `RunStore::orphan_rows` finds: rows whose run (or series) no longer exists.
struct OrphanReport {
  int64_t series = 0, scalars = 0, probes = 0, evaluations = 0, events = 0, retrieved = 0;
  int64_t dataset_stats = 0, dataset_texts = 0, judgments = 0;
  int64_t total() const {
    return series + scalars + probes + evaluations + events + retrieved + dataset_stats + dataset_texts + judgments;
  }
};

class RunStore {
 public:
  enum class Mode { read_write, read_only };

  // Opens (and for read_write creates and migrates) the database at `path`. Refuses a file that is
  // not a SQLite database, a database from a newer schema, or an unwritable location.
  explicit RunStore(const std::string& path, Mode mode = Mode::read_write);
  ~RunStore();
  RunStore(RunStore&&) noexcept;
  RunStore& operator=(RunStore&&) noexcept;
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }
  int schema_version() const;

  // --- runs
  int64_t create_run(const NewRun& run);
  void mark_started(int64_t run_id, int64_t pid, const std::string& host);
  void mark_finished(int64_t run_id, RunStatus status, const std::string& error = "");
  void set_status(int64_t run_id, RunStatus status);
  void heartbeat(int64_t run_id);
  void set_notes(int64_t run_id, const std::string& tags, const std::string& notes);
  // Replaces the run's stored config: only for what the worker resolves when the run first starts
  // (optimizer.precision "auto"), so a resume computes as the start did.
  void set_config(int64_t run_id, const std::string& config_json);
  void delete_run(int64_t run_id);  // removes the run and every row that belongs to it
  std::optional<RunRecord> find_run(int64_t run_id) const;
  std::vector<RunRecord> list_runs() const;

  // --- worker life cycle (core/runs). Each is one conditional UPDATE, so a scheduler, a doctor
  // and the worker itself can race on the same run and exactly one transition wins.
  // In one write transaction: when fewer than `max_running` runs of `host` are running, marks
  // the oldest queued run running on `host` with pid -claimer_pid ("starting": the claiming
  // scheduler's pid, negated, so a claim whose scheduler died before starting the worker can be
  // told from one in progress; 0 = unknown claimer) and returns its id.
  std::optional<int64_t> claim_next_queued(const std::string& host, int max_running, int64_t claimer_pid = 0);
  // The same, with GPUs: `choose(config_json, held)` gets the oldest queued run's config and the
  // GPUs running runs of `host` hold, and returns the GPUs to give it ("0,1", "" for none) or
  // nullopt to leave it queued (not enough free GPUs: the queue waits, keeping its order). The
  // choice is stored in the run's `gpus` in the same transaction, so schedulers of one host never
  // hand out a GPU twice.
  using GpuChooser =
      std::function<std::optional<std::string>(const std::string& config_json, const std::vector<std::string>& held)>;
  std::optional<int64_t> claim_next_queued(const std::string& host, int max_running, const GpuChooser& choose,
                                           int64_t claimer_pid = 0);
  // Records the spawned worker's pid on a run claimed above; false when the run is no longer a
  // claimed (running, pid <= 0) run, e.g. the worker already finished or someone reaped it.
  bool record_worker_pid(int64_t run_id, int64_t pid);
  // Marks a running run failed with `error` only while it is still running with `expected_pid`.
  bool fail_if_running(int64_t run_id, int64_t expected_pid, const std::string& error);
  // Marks a queued run stopped with `reason`; false when it was no longer queued.
  bool cancel_if_queued(int64_t run_id, const std::string& reason);
  // PRAGMA integrity_check: "ok" or the problems it reports, one per line.
  std::string integrity_check() const;

  // --- resume and queue order
  // Puts a stopped or failed run back in the queue (last position) so the scheduler resumes it
  // from its last checkpoint; throws StoreError naming the status for any other run.
  void requeue(int64_t run_id);
  // Removes the run's scalars, probes, evaluations and retrieved rows with step > `step`, in one
  // transaction: a resumed run re-records them, so every series keeps each step exactly once.
  void delete_rows_after_step(int64_t run_id, int64_t step);
  // Moves a queued run to `position` (1 = claimed next; clamped to the queue's length) and
  // renumbers the queue; throws StoreError when the run is not queued. Returns the position taken.
  int64_t move_in_queue(int64_t run_id, int64_t position);
  // Queued runs in the order the scheduler claims them.
  std::vector<int64_t> queue_order() const;

  // --- maintenance (multipos doctor)
  void checkpoint_wal();  // PRAGMA wal_checkpoint(TRUNCATE); throws when a reader keeps it from finishing
  void reindex();         // REINDEX: rebuilds every index
  OrphanReport orphan_rows() const;
  OrphanReport delete_orphan_rows();  // in one transaction; returns what it deleted

  // --- series (writers batch: one transaction per call)
  void append_scalars(int64_t run_id, const std::vector<ScalarRow>& rows);
  // Points with row_id > after_row_id, oldest first, at most `limit` rows; run_id 0 = every run.
  std::vector<ScalarPoint> scalars_after(int64_t after_row_id, int64_t run_id = 0,
                                         int64_t limit = 200000) const;
  std::vector<std::string> series_names(int64_t run_id) const;

  // --- probes, evaluations, events
  void append_probe_rows(int64_t run_id, const std::vector<ProbeRow>& rows);
  std::vector<ProbeRow> probe_rows(int64_t run_id, int64_t step, const std::string& query_id = "") const;
  std::vector<int64_t> probe_steps(int64_t run_id) const;
  void append_evaluations(int64_t run_id, const std::vector<EvaluationRow>& rows);
  std::vector<EvaluationRow> evaluations(int64_t run_id, const std::string& split = "") const;
  void log_event(int64_t run_id, const std::string& level, const std::string& message);
  // Top-k passages per probe query at a dev evaluation; one transaction per call.
  void append_retrieved(int64_t run_id, const std::vector<RetrievedRow>& rows);
  // Rows of one query at one step, by rank; an empty query_id returns every query of the step.
  std::vector<RetrievedRow> retrieved(int64_t run_id, int64_t step, const std::string& query_id) const;
  std::vector<int64_t> retrieved_steps(int64_t run_id) const;
  std::vector<EventRow> events_after(int64_t after_row_id, int64_t run_id = 0) const;

  // --- the run's dataset as the studio shows it (run_store_texts.cpp)
  // In one transaction: replaces the stored statistics (when record.stats_json is set) and adds
  // the texts and judgments not stored yet, so a resumed run or a second `data store-texts`
  // writes nothing twice.
  void record_dataset(int64_t run_id, const RunDatasetRecord& record);
  // Adds passage texts not stored yet (each passage once per run); one transaction.
  void append_passage_texts(int64_t run_id, const std::vector<StoredText>& passages);
  // Everything stored for the run (empty for a run recorded before version 4, or a store still
  // at an older version opened read-only). Texts and judgments ordered by id.
  RunDatasetRecord dataset_record(int64_t run_id) const;
  bool has_dataset_stats(int64_t run_id) const;

 private:
  class Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

// Unix time in seconds with sub-second precision.
double now_seconds();

}  // namespace multipos::store
