#include "core/util/assets.hpp"

#include <algorithm>
#include <filesystem>

namespace multipos::util {

namespace {

bool has_presets(const std::filesystem::path& dir) {
  std::error_code error;
  return !dir.empty() && std::filesystem::is_directory(dir / "presets", error);
}

}  // namespace

std::string find_assets_dir(const std::string& preferred, const std::string& executable) {
  namespace fs = std::filesystem;
  if (has_presets(preferred)) return preferred;
  std::vector<fs::path> candidates;
  if (!executable.empty()) {
    const fs::path dir = fs::path(executable).parent_path();
    candidates = {dir / ".." / "assets", dir / ".." / ".." / "assets", dir / ".." / "share" / "multipos" / "assets"};
  }
#ifdef MULTIPOS_ASSETS_DIR
  candidates.emplace_back(MULTIPOS_ASSETS_DIR);
#endif
  for (const auto& candidate : candidates)
    if (has_presets(candidate)) return candidate.lexically_normal().string();
  return "";
}

std::vector<std::string> list_asset_files(const std::string& assets_dir, const std::string& folder) {
  std::vector<std::string> files;
  std::error_code error;
  if (assets_dir.empty()) return files;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(assets_dir) / folder, error))
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace multipos::util
