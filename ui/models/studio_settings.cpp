#include "ui/models/studio_settings.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace multipos::ui {

namespace {

template <typename T>
void read(const nlohmann::json& json, const char* key, T& value) {
  const auto found = json.find(key);
  if (found == json.end()) return;
  try {
    value = found->get<T>();
  } catch (const nlohmann::json::exception&) {
    // Wrong type: keep the default (a hand-edited or future file must not stop the studio).
  }
}

}  // namespace

nlohmann::json settings_to_json(const StudioSettings& s) {
  return {{"tab", s.tab},           {"series", s.series},         {"smoothing", s.smoothing},
          {"x_axis", s.x_axis},     {"log_y", s.log_y},           {"seed_bands", s.seed_bands},
          {"filter", s.filter},     {"hidden_statuses", s.hidden_statuses},
          {"top_fraction", s.top_fraction}, {"table_fraction", s.table_fraction}, {"positives", s.positives}};
}

StudioSettings settings_from_json(const nlohmann::json& json) {
  StudioSettings s;
  if (!json.is_object()) return s;
  read(json, "tab", s.tab);
  read(json, "series", s.series);
  read(json, "smoothing", s.smoothing);
  read(json, "x_axis", s.x_axis);
  read(json, "log_y", s.log_y);
  read(json, "seed_bands", s.seed_bands);
  read(json, "filter", s.filter);
  read(json, "hidden_statuses", s.hidden_statuses);
  read(json, "top_fraction", s.top_fraction);
  read(json, "table_fraction", s.table_fraction);
  read(json, "positives", s.positives);
  s.smoothing = std::clamp(s.smoothing, 0.0f, 0.99f);
  s.top_fraction = std::clamp(s.top_fraction, 0.1f, 0.9f);
  s.table_fraction = std::clamp(s.table_fraction, 0.1f, 0.9f);
  return s;
}

std::string default_config_path(const std::string& file) {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return (std::filesystem::path(xdg) / "multipos" / file).string();
  const char* home = std::getenv("HOME");
  if (home && *home) return (std::filesystem::path(home) / ".config" / "multipos" / file).string();
  return "";
}

StudioSettings load_settings(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path);
  if (!in) return {};
  return settings_from_json(nlohmann::json::parse(in, nullptr, false));
}

bool save_settings(const std::string& path, const StudioSettings& settings, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code fs_error;
  fs::create_directories(fs::path(path).parent_path(), fs_error);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << settings_to_json(settings).dump(2) << "\n";
    if (!out) {
      error = "cannot write " + temporary;
      return false;
    }
  }
  fs::rename(temporary, path, fs_error);
  if (fs_error) {
    error = "cannot rename " + temporary + " to " + path + ": " + fs_error.message();
    return false;
  }
  return true;
}

}  // namespace multipos::ui
