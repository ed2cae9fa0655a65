// `multipos doctor`: checks a run store, marks failed the running runs whose worker is gone or
// silent, and repairs what can be repaired (WAL checkpoint, REINDEX, orphan rows with --repair).
#include <cstdio>
#include <filesystem>
#include <optional>

#include "app/commands/commands.hpp"
#include "app/commands/scheduling.hpp"
#include "core/runs/process.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos doctor --db FILE [--heartbeat-timeout SECONDS] [--repair]\n"
    "  Checks the database (PRAGMA integrity_check), marks failed the running runs whose worker is\n"
    "  gone or silent, checkpoints the WAL, rebuilds the indexes (REINDEX) and reports rows whose run\n"
    "  no longer exists; --repair deletes them. Exits 1 when the database is damaged.\n";

// Doctor's repairs on a healthy database: WAL checkpoint, REINDEX, orphan rows.
void repair(store::RunStore& store, bool delete_orphans) {
  try {
    store.checkpoint_wal();
    say("WAL checkpointed");
  } catch (const store::StoreError& error) {
    say(std::string("WAL checkpoint skipped: ") + error.what());
  }
  store.reindex();
  say("indexes rebuilt (REINDEX)");
  store::OrphanReport orphans = delete_orphans ? store.delete_orphan_rows() : store.orphan_rows();
  say(std::to_string(orphans.total()) + " orphan row(s)" + (delete_orphans && orphans.total() ? " deleted" : "") +
      " (series " + std::to_string(orphans.series) + ", scalars " + std::to_string(orphans.scalars) + ", probes " +
      std::to_string(orphans.probes) + ", evaluations " + std::to_string(orphans.evaluations) + ", events " +
      std::to_string(orphans.events) + ", retrieved " + std::to_string(orphans.retrieved) + ", dataset statistics " +
      std::to_string(orphans.dataset_stats) + ", dataset texts " + std::to_string(orphans.dataset_texts) +
      ", judgments " + std::to_string(orphans.judgments) + ")" +
      (!delete_orphans && orphans.total() ? "; delete them with --repair" : ""));
}

}  // namespace

int doctor_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "heartbeat-timeout"}, {"repair", "help"});
  if (cli.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string database = database_option(cli);
  if (!std::filesystem::exists(database)) throw UsageError(database + ": no such database");
  std::optional<store::RunStore> opened;
  std::string integrity;
  try {
    opened.emplace(database);
    integrity = opened->integrity_check();
  } catch (const store::StoreError& error) {
    integrity = error.what();  // a badly damaged file fails before the check can report
  }
  say("integrity_check: " + integrity);
  if (integrity != "ok") {
    std::fprintf(stderr,
                 "multipos doctor: %s is damaged or not a run store; copy it aside before writing to it again\n",
                 database.c_str());
    return 1;
  }
  store::RunStore& store = *opened;
  runs::WorkerLauncher launcher(runs::current_executable(), database);
  auto reaped = runs::reap_dead_runs(store, launcher, heartbeat_timeout_option(cli));
  for (const auto& run : reaped) say("run " + std::to_string(run.run_id) + " marked failed: " + run.reason);
  int queued = 0, running = 0;
  for (const auto& run : store.list_runs()) {
    queued += run.status == "queued";
    running += run.status == "running";
  }
  say(std::to_string(reaped.size()) + " dead run(s) reaped; " + std::to_string(running) + " running, " +
      std::to_string(queued) + " queued");
  repair(store, cli.has("repair"));
  if (queued > 0 && running == 0) say("queued runs start with `multipos scheduler --db " + database + "`");
  return 0;
}

}  // namespace multipos::app
