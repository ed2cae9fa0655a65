// The "New runs" modal: preset, objectives (one run each), steps, seed, learning rate, device,
// how many runs train at once, the dataset with its label regime and noise, and the encoder, with
// every problem shown under its field before Launch is enabled. Picking a preset fills the fields
// from it; "duplicate and edit" fills them from a run's stored config. The config resolution does
// not read data, so the app's RunFactory::check_dataset also loads the dataset once per edit on
// a worker thread (the loaders' own checks: unknown fields, file:line faults; the studio itself
// links no loader); a failed load blocks Launch. Validation: the range checks of launch_request.hpp,
// then the app's RunFactory::validate (the CLI's own config resolution) when one is given.
// UI thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/store/run_store.hpp"
#include "ui/background/dataset_check.hpp"
#include "ui/panels/launch_data_form.hpp"
#include "ui/models/launch_request.hpp"

namespace multipos::ui {

// Where the background load of the form's dataset stands.
struct DatasetCheck {
  enum class State { none, checking, ok, failed } state = State::none;
  std::string message;  // "7589 passages, 1800 queries (1440 / 180 / 180)" or the loader's error
};

class LaunchPanel {
 public:
  // `factory` may be null or lack functions: then only range checks run and Launch stays disabled.
  LaunchPanel(std::string assets_dir, const RunFactory* factory);

  // Opens the modal at the next draw().
  void open();
  // Draws the modal when open; call every frame inside the studio's window.
  void draw();
  bool is_open() const { return open_; }
  // The request the user launched, once.
  std::optional<LaunchRequest> take_launch() { return std::exchange(launched_, std::nullopt); }

  // For tests and the toolbar: the form as edited, its problems (re-checked on every change).
  LaunchRequest& draft() { return draft_; }
  const std::vector<FieldError>& errors();
  const std::vector<std::string>& presets() const { return presets_; }
  void choose_preset(const std::string& path);
  // Opens the modal prefilled from a run's config_json (objective, steps, seed, lr, device,
  // dataset, encoder and everything else it holds); false when the config is not a JSON object.
  bool duplicate(const store::RunRecord& run);
  // What the Launch button does: keeps the modal open and returns false when there are errors
  // (a dataset still being checked does not hold it back; one that failed to load does).
  bool launch();
  // Queues the check of the draft's dataset when it changed; call once per frame (draw() does).
  // State none without a factory's check_dataset.
  const DatasetCheck& dataset_check();

 private:
  void validate_if_changed();
  void field_errors(const char* field);
  void draw_objectives();
  void draw_numbers();
  void draw_preset();
  void draw_data();
  void fill_from_config(const nlohmann::json& config);

  std::string assets_dir_;
  const RunFactory* factory_;
  std::vector<std::string> presets_;
  LaunchRequest draft_;
  std::vector<FieldError> errors_;
  std::string validated_key_;  // the draft errors_ belongs to
  bool open_ = false;
  bool open_requested_ = false;
  std::optional<LaunchRequest> launched_;
  LaunchDataForm data_form_;
  std::unique_ptr<DatasetChecker> dataset_checker_;  // made at the first check, when the factory has one
  DatasetCheck dataset_check_;
};

}  // namespace multipos::ui
