// The "New runs" modal: preset, objectives (one run each), steps, seed, learning rate, device and
// how many runs train at once, with every problem shown under its field before Launch is enabled.
// Picking a preset fills the fields from it. Validation: the range checks of launch_request.hpp,
// then the app's RunFactory::validate (the CLI's own config resolution) when one is given.
// UI thread only.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ui/launch_request.hpp"

namespace multipos::ui {

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
  // What the Launch button does: keeps the modal open and returns false when there are errors.
  bool launch();

 private:
  void validate_if_changed();
  void field_errors(const char* field);
  void draw_objectives();
  void draw_numbers();

  std::string assets_dir_;
  const RunFactory* factory_;
  std::vector<std::string> presets_;
  LaunchRequest draft_;
  std::vector<FieldError> errors_;
  std::string validated_key_;  // the draft errors_ belongs to
  bool open_ = false;
  bool open_requested_ = false;
  std::optional<LaunchRequest> launched_;
};

}  // namespace multipos::ui
