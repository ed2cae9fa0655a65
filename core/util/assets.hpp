// Where multipos's assets (run presets, study presets) are: beside the executable in a build or
// an install, or the source tree's assets/ compiled in as a last resort. Torch-free.
#pragma once

#include <string>
#include <vector>

namespace multipos::util {

// `preferred` when it holds presets/, else the first of <exe dir>/../assets, <exe dir>/../../assets,
// <exe dir>/../share/multipos/assets and the compiled-in source assets that holds presets/.
// "" when none does.
std::string find_assets_dir(const std::string& preferred, const std::string& executable);

// <assets>/<folder>/*.json, sorted by file name ("presets", "studies").
std::vector<std::string> list_asset_files(const std::string& assets_dir, const std::string& folder);

}  // namespace multipos::util
