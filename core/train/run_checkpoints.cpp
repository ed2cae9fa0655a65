#include "core/train/run_checkpoints.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/train/train_config.hpp"
#include "core/util/fault_injection.hpp"

namespace multipos::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTempPrefix = ".tmp-";

std::string run_folder(const std::string& db_path, int64_t run_id) {
  return fs::path(checkpoint_dir(db_path, run_id, "x")).parent_path().string();
}

std::optional<nlohmann::json> read_meta(const fs::path& dir) {
  std::ifstream file(dir / "checkpoint.json");
  if (!file) return std::nullopt;
  nlohmann::json meta = nlohmann::json::parse(file, nullptr, false);
  if (meta.is_discarded() || !meta.is_object()) return std::nullopt;
  return meta;
}

bool same_identity(const nlohmann::json& meta, const store::RunRecord& run) {
  return meta.value("run", nlohmann::json()) == run_identity(run);
}

// A stored config normalised through the parser, so defaults added since it was written compare
// equal to the same defaults in the run's config.
nlohmann::json normalised(const nlohmann::json& config) {
  try {
    return to_json(train_config_from_json(config, "checkpoint config"));
  } catch (const std::exception&) {
    return config;
  }
}

}  // namespace

nlohmann::json run_identity(const store::RunRecord& run) {
  return {{"id", run.id}, {"created_at", run.created_at}};
}

std::vector<CheckpointInfo> list_checkpoints(const std::string& db_path, int64_t run_id) {
  std::vector<CheckpointInfo> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(run_folder(db_path, run_id), error)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind(kTempPrefix, 0) == 0) continue;
    auto meta = read_meta(entry.path());
    if (!meta) continue;  // an interrupted write of the old layout: not a checkpoint
    found.push_back({entry.path().string(), meta->value("step", int64_t{-1}), *meta});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
  return found;
}

std::optional<CheckpointInfo> latest_checkpoint(const std::string& db_path, const store::RunRecord& run) {
  auto all = list_checkpoints(db_path, run.id);
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (same_identity(it->meta, run) && it->meta.contains("trainer_state")) return *it;
  return std::nullopt;
}

std::vector<std::string> differing_config_fields(const nlohmann::json& checkpoint_config,
                                                 const nlohmann::json& resolved_config) {
  static const std::vector<std::string> kIgnored = {"/name", "/print_every", "/flush_every", "/threads", "/device"};
  std::vector<std::string> fields;
  for (const auto& patch : nlohmann::json::diff(normalised(checkpoint_config), normalised(resolved_config))) {
    std::string path = patch.value("path", std::string("?"));
    bool ignored = std::any_of(kIgnored.begin(), kIgnored.end(),
                               [&](const std::string& prefix) { return path.rfind(prefix, 0) == 0; });
    if (!ignored && std::find(fields.begin(), fields.end(), path) == fields.end()) fields.push_back(path);
  }
  return fields;
}

CheckpointInfo check_resumable(const store::RunStore& store, int64_t run_id) {
  auto run = store.find_run(run_id);
  const std::string label = store.path() + ": run " + std::to_string(run_id);
  if (!run) throw ResumeError(label + " does not exist");
  if (run->status != "stopped" && run->status != "failed")
    throw ResumeError(label + " is " + run->status + "; only a stopped or failed run can be resumed");
  auto checkpoint = latest_checkpoint(store.path(), *run);
  if (!checkpoint)
    throw ResumeError(label + " has no checkpoint to resume from in " + run_folder(store.path(), run_id) +
                      " (it stopped before its first one; launch it again instead)");
  nlohmann::json config = nlohmann::json::parse(run->config_json, nullptr, false);
  if (config.is_discarded()) throw ResumeError(label + ": its stored config is not valid JSON");
  auto fields = differing_config_fields(checkpoint->meta.value("config", nlohmann::json::object()), config);
  if (!fields.empty()) {
    std::string list;
    for (const auto& field : fields) list += (list.empty() ? "" : ", ") + field;
    throw ResumeError(checkpoint->dir + "/checkpoint.json: the checkpoint of " + label +
                      " was written with another config (differs at " + list + "); nothing was changed");
  }
  return *checkpoint;
}

std::string commit_checkpoint(const std::string& db_path, int64_t run_id, const std::string& name,
                              const std::function<void(const std::string& temp_dir)>& fill, int64_t keep) {
  const fs::path target = checkpoint_dir(db_path, run_id, name);
  const fs::path temp = target.parent_path() / (kTempPrefix + name);
  try {
    fs::remove_all(temp);
    fs::create_directories(temp);
    fill(temp.string());
  } catch (const std::exception& error) {
    // A full disk (or a quota) mid-write: drop the partial folder, so it neither holds the space
    // nor looks like a checkpoint; the previous checkpoint stays the one to resume from.
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw CheckpointWriteError("cannot write the checkpoint " + target.string() + ": " + error.what() +
                               " (the previous checkpoint is kept)");
  }
  util::fault_point("checkpoint_before_rename", name);
  // rename() cannot replace a non-empty folder: move the old one aside first, so at every moment
  // either the old or the new complete checkpoint exists under a findable name.
  const fs::path old = target.parent_path() / (std::string(kTempPrefix) + "old-" + name);
  fs::remove_all(old);
  if (fs::exists(target)) fs::rename(target, old);
  fs::rename(temp, target);
  fs::remove_all(old);
  auto all = list_checkpoints(db_path, run_id);
  std::vector<CheckpointInfo> steps;
  for (const auto& info : all)
    if (fs::path(info.dir).filename().string().rfind("step-", 0) == 0) steps.push_back(info);
  for (size_t i = 0; i + static_cast<size_t>(keep) < steps.size(); ++i) fs::remove_all(steps[i].dir);
  return target.string();
}

int remove_foreign_checkpoints(const std::string& db_path, const store::RunRecord& run) {
  int removed = 0;
  std::error_code error;
  std::vector<fs::path> doomed;
  for (const auto& entry : fs::directory_iterator(run_folder(db_path, run.id), error)) {
    if (!entry.is_directory()) continue;
    auto meta = read_meta(entry.path());
    bool temporary = entry.path().filename().string().rfind(kTempPrefix, 0) == 0;
    if (temporary || !meta || !same_identity(*meta, run)) doomed.push_back(entry.path());
  }
  for (const auto& path : doomed) removed += fs::remove_all(path, error) > 0;
  return removed;
}

}  // namespace multipos::train
