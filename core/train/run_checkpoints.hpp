// The checkpoints of one run on disk ("<db>.checkpoints/run-<id>/step-<N>" and "final"): finding
// the one to resume from, checking it belongs to this run and config, writing a new one
// atomically (temporary folder renamed into place) and pruning old ones. Torch-free, so the CLI
// can validate a resume request without loading LibTorch state.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/store/run_store.hpp"

namespace multipos::train {

// A resume request that cannot be honoured; the message names the run, the checkpoint folder and
// (for another config) the differing fields.
class ResumeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A checkpoint that could not be written (disk full, quota, permissions); the message names the
// checkpoint folder and the file at fault. The partial folder is removed; older ones are kept.
class CheckpointWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CheckpointInfo {
  std::string dir;
  int64_t step = -1;      // last completed step the checkpoint holds (0-based)
  nlohmann::json meta;    // checkpoint.json
};

// Identity of a run stored in its checkpoints, so a folder left by a deleted database's run with
// the same id is never mistaken for this run's.
nlohmann::json run_identity(const store::RunRecord& run);

// Complete checkpoints of the run (those with a checkpoint.json), oldest step first.
std::vector<CheckpointInfo> list_checkpoints(const std::string& db_path, int64_t run_id);

// The newest checkpoint of `run` whose identity matches; nullopt when there is none.
std::optional<CheckpointInfo> latest_checkpoint(const std::string& db_path, const store::RunRecord& run);

// Fields of `resolved_config` (to_json of the run's config) that differ in the checkpoint's, as
// JSON pointers ("/optimizer/lr"); fields that do not change training ("name", "print_every",
// "flush_every", "threads", "device") are ignored.
std::vector<std::string> differing_config_fields(const nlohmann::json& checkpoint_config,
                                                 const nlohmann::json& resolved_config);

// What `multipos resume` checks before requeueing: the run is stopped or failed and has a
// checkpoint of its own whose config matches. Throws ResumeError with the reason.
CheckpointInfo check_resumable(const store::RunStore& store, int64_t run_id);

// Writes a checkpoint folder atomically: `fill(temp_dir)` writes the files, then the folder is
// renamed to "step-<step+1>" (or "final"), and step checkpoints beyond the newest `keep` are
// removed. Returns the final folder. Throws CheckpointWriteError when `fill` fails.
std::string commit_checkpoint(const std::string& db_path, int64_t run_id, const std::string& name,
                              const std::function<void(const std::string& temp_dir)>& fill, int64_t keep);

// Removes the run's checkpoint folders whose identity is not `run`'s (left by an earlier database
// with the same run id) and unfinished temporary folders; returns how many it removed.
int remove_foreign_checkpoints(const std::string& db_path, const store::RunRecord& run);

}  // namespace multipos::train
