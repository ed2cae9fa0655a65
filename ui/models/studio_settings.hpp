// The studio's own settings between sessions (ImGui's ini keeps window and table layout): the
// tab shown, the Curves series, smoothing, x axis, log scale and seed bands, the runs table's
// filters and the panes' split. A small JSON file, by default ~/.config/multipos/studio.json
// ($XDG_CONFIG_HOME honoured). Unknown or ill-typed fields are ignored so an older or newer file
// never stops the studio. Thread-safety: plain values and functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace multipos::ui {

struct StudioSettings {
  std::string tab = "curves";
  std::string series = "loss";
  float smoothing = 0.6f;
  std::string x_axis = "step";
  bool log_y = false;
  bool seed_bands = false;
  std::string filter;
  unsigned hidden_statuses = 0;  // StatusFilter::hidden_mask
  float top_fraction = 0.32f, table_fraction = 0.68f;
  // The "Positives" split of the Probability mass and Gradient allocation tabs: rank | source |
  // truth | grade (split_token in diagnostic_stacks.hpp).
  std::string positives = "rank";
};

nlohmann::json settings_to_json(const StudioSettings& settings);
// Fields missing or of the wrong type keep their defaults; fractions are clamped to [0.1, 0.9].
StudioSettings settings_from_json(const nlohmann::json& json);

// $XDG_CONFIG_HOME/multipos/<file> or ~/.config/multipos/<file>; "" when neither is known.
std::string default_config_path(const std::string& file);
// Missing or unreadable file: defaults. Never throws.
StudioSettings load_settings(const std::string& path);
// Writes atomically (temporary file + rename), creating the folder; false with `error` set on failure.
bool save_settings(const std::string& path, const StudioSettings& settings, std::string& error);

}  // namespace multipos::ui
