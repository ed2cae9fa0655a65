// Reads a PNG for screenshot checks (stb_image) and counts its distinct colors: a blank or
// single-color window has one, a rendered studio hundreds.
#pragma once

#include <stb_image.h>

#include <set>
#include <string>

namespace multipos::testing {

struct PngImage {
  int width = 0, height = 0, channels = 0;
  unsigned char* pixels = nullptr;  // RGB, freed on scope exit
  explicit PngImage(const std::string& path) { pixels = stbi_load(path.c_str(), &width, &height, &channels, 3); }
  ~PngImage() { stbi_image_free(pixels); }
  PngImage(const PngImage&) = delete;
  PngImage& operator=(const PngImage&) = delete;

  size_t distinct_colors(size_t stride = 7) const {
    std::set<unsigned> colors;
    const size_t count = static_cast<size_t>(width) * static_cast<size_t>(height);
    for (size_t i = 0; pixels && i < count; i += stride) {
      const unsigned char* p = pixels + 3 * i;
      colors.insert((unsigned(p[0]) << 16) | (unsigned(p[1]) << 8) | p[2]);
    }
    return colors.size();
  }
};

}  // namespace multipos::testing
