// What the "New runs" panel asks for, checked before anything is created: a preset, the objectives
// (one run each, one shared group) and a few overrides. The studio never links LibTorch, so the
// full config validation (train::train_config_from_json, the CLI's own path) is injected by the
// app as a RunFactory; without one, only the range checks here apply and launching is disabled.
// No ImGui here. Thread-safety: plain values and pure functions; a RunFactory's functions must be
// callable from the UI thread (validate), the run-control thread (create) and the launch panel's
// dataset-check thread (check_dataset).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/run_store.hpp"

namespace multipos::ui {

// Objectives offered by the panel: the engine's registry (core/objectives/registry.hpp), in the
// order the paper introduces them; and those ticked when the panel opens.
std::vector<std::string> launchable_objectives();
std::vector<std::string> default_launch_objectives();

struct LaunchRequest {
  std::string preset_path;               // a JSON preset (assets/presets/*.json)
  // Duplicate-and-edit: the copied run's whole config, used instead of the preset when an object.
  nlohmann::json base_config;
  std::string base_label;                // "run #12", shown in place of the preset's name
  // Replace the preset's "dataset" / "encoder" objects when not null.
  nlohmann::json dataset;
  nlohmann::json encoder;
  std::vector<std::string> objectives;   // one run per objective
  int64_t steps = 300;
  int64_t seed = 1;
  double lr = 3e-3;
  std::string device = "auto";           // auto | cpu | cuda | cuda:N
  int max_concurrent = 1;                // runs of this host training at once
  int64_t cache_chunk = 0;               // batch.cache_chunk: queries per gradient-cache chunk; 0 = off
  // batch.positive_sampling for every run: first | rotate | random | graded_random; "" keeps the
  // preset's (or copied run's) setting.
  std::string positive_sampling;
};

// A problem with one field of the form ("" = the request as a whole), shown under that field.
struct FieldError {
  std::string field;  // "preset", "objectives", "steps", "seed", "lr", "device", "max_concurrent",
                      // "cache_chunk", "dataset", "encoder", ""
  std::string message;
};

// Range checks that need no config parsing: a readable preset (or a copied run's config), at
// least one objective, steps in 1..10^8, seed >= 0, 0 < lr <= 10, a device the trainer knows,
// 1..64 concurrent runs, cache_chunk >= 0 (the config check compares it with the batch), and the
// dataset's paths and rates (check_dataset_spec).
std::vector<FieldError> check_launch_ranges(const LaunchRequest& request);

// Runs creation with the CLI's own config resolution, provided by the app (app/studio_command.cpp).
struct RunFactory {
  // Resolves and validates every run's config without creating anything; returns one message per
  // problem (naming the file and field), empty when the runs can be created. UI thread.
  std::function<std::vector<std::string>(const LaunchRequest&)> validate;
  // Creates one queued run per objective in `store` (shared group id, plus the group's bm25
  // baseline when several) and returns their ids; throws with a message on failure.
  std::function<std::vector<int64_t>(const LaunchRequest&, store::RunStore& store)> create;
  // Loads the dataset a "dataset" spec names, as the worker will (the loaders' own checks: unknown
  // fields, file:line faults), and describes it in one line ("7589 passages, 1800 queries ...");
  // throws with the loader's message when it cannot load. Slow (it reads the data): the launch
  // panel calls it on its own thread, never the UI one. Optional: without it the form's dataset is
  // checked by the range checks only. The studio itself never loads data (ui/ links no core/data).
  std::function<std::string(const nlohmann::json& dataset)> check_dataset;
  bool available() const { return static_cast<bool>(validate) && static_cast<bool>(create); }
};

// The assets directory and its presets: util::find_assets_dir, and
// util::list_asset_files(assets_dir, "presets") (core/util/assets.hpp).

}  // namespace multipos::ui
