#include "ui/plot/palette.hpp"

#include <array>

namespace multipos::ui::plot {

namespace {
// Hand-picked hues, bright enough for a dark background and ordered so neighbours contrast.
constexpr std::array<ImU32, 10> kSeriesRgb{
    0x4C9BE8, 0xF28E2B, 0x59C26B, 0xE15759, 0xB07AE0,
    0xEDC948, 0x4FC4C4, 0xFF9DA7, 0xA5C85A, 0xC9A27E,
};
}  // namespace

ImU32 series_color(std::size_t index, float alpha) {
  const ImU32 rgb = kSeriesRgb[index % kSeriesRgb.size()];
  const int a = static_cast<int>(alpha * 255.0f + 0.5f);
  return IM_COL32((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, a);
}

ImU32 run_color(int64_t run_id, float alpha) {
  const std::size_t index = run_id > 0 ? static_cast<std::size_t>(run_id - 1) : 0;
  return series_color(index, alpha);
}

}  // namespace multipos::ui::plot
