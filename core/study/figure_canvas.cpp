#include "core/study/figure_canvas.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdexcept>

// stb's implementations are compiled here, static to this file, so they never clash with the
// studio's own copy of stb_image_write.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBTT_STATIC
#define STB_TRUETYPE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>
#include <stb/stb_truetype.h>
#pragma GCC diagnostic pop

namespace multipos::study {

namespace {

struct Font {
  std::vector<unsigned char> data;
  stbtt_fontinfo info{};
  bool loaded = false;
};

const Font& font() {
  static Font font;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char* path : {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                             "/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans.ttf"}) {
      std::ifstream in(path, std::ios::binary);
      if (!in) continue;
      font.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (stbtt_InitFont(&font.info, font.data.data(), stbtt_GetFontOffsetForIndex(font.data.data(), 0))) {
        font.loaded = true;
        return;
      }
    }
  });
  return font;
}

std::vector<int> decode_utf8(const std::string& text) {
  std::vector<int> codepoints;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    int length = byte < 0x80 ? 1 : (byte >> 5) == 6 ? 2 : (byte >> 4) == 14 ? 3 : (byte >> 3) == 30 ? 4 : 1;
    int codepoint = length == 1 ? byte : byte & (0x7f >> length);
    for (int k = 1; k < length && i + k < text.size(); ++k) codepoint = (codepoint << 6) | (text[i + k] & 0x3f);
    codepoints.push_back(codepoint);
    i += static_cast<size_t>(length);
  }
  return codepoints;
}

// The built-in font draws 7-pixel capitals on a 12-pixel line; we scale it to `size`.
constexpr float kEasyFontHeight = 10.0f;

}  // namespace

bool truetype_font_available() { return font().loaded; }

FigureCanvas::FigureCanvas(int width, int height, Color background)
    : width_(width), height_(height), pixels_(static_cast<size_t>(width) * height * 3) {
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

void FigureCanvas::blend(int x, int y, Color color, float coverage) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || coverage <= 0) return;
  const float alpha = std::min(1.0f, coverage) * color.a / 255.0f;
  uint8_t* pixel = &pixels_[(static_cast<size_t>(y) * width_ + x) * 3];
  const uint8_t source[3] = {color.r, color.g, color.b};
  for (int c = 0; c < 3; ++c) pixel[c] = static_cast<uint8_t>(std::lround(pixel[c] + (source[c] - pixel[c]) * alpha));
}

void FigureCanvas::fill_rect(float x0, float y0, float x1, float y1, Color color) {
  const int left = std::max(0, static_cast<int>(std::floor(std::min(x0, x1))));
  const int right = std::min(width_, static_cast<int>(std::ceil(std::max(x0, x1))));
  const int top = std::max(0, static_cast<int>(std::floor(std::min(y0, y1))));
  const int bottom = std::min(height_, static_cast<int>(std::ceil(std::max(y0, y1))));
  for (int y = top; y < bottom; ++y)
    for (int x = left; x < right; ++x) blend(x, y, color, 1.0f);
}

void FigureCanvas::line(Point from, Point to, Color color, float thickness, float dash) {
  const float dx = to.x - from.x, dy = to.y - from.y;
  const float length = std::sqrt(dx * dx + dy * dy);
  if (dash > 0 && length > dash) {
    for (float start = 0; start < length; start += 2 * dash) {
      const float end = std::min(length, start + dash);
      line({from.x + dx * start / length, from.y + dy * start / length},
           {from.x + dx * end / length, from.y + dy * end / length}, color, thickness, 0);
    }
    return;
  }
  const float half = thickness / 2;
  const int left = static_cast<int>(std::floor(std::min(from.x, to.x) - half - 1));
  const int right = static_cast<int>(std::ceil(std::max(from.x, to.x) + half + 1));
  const int top = static_cast<int>(std::floor(std::min(from.y, to.y) - half - 1));
  const int bottom = static_cast<int>(std::ceil(std::max(from.y, to.y) + half + 1));
  const float squared = std::max(1e-12f, dx * dx + dy * dy);
  for (int y = std::max(0, top); y <= std::min(height_ - 1, bottom); ++y)
    for (int x = std::max(0, left); x <= std::min(width_ - 1, right); ++x) {
      const float px = x + 0.5f - from.x, py = y + 0.5f - from.y;
      const float t = std::clamp((px * dx + py * dy) / squared, 0.0f, 1.0f);
      const float ex = px - t * dx, ey = py - t * dy;
      blend(x, y, color, half + 0.5f - std::sqrt(ex * ex + ey * ey));
    }
}

void FigureCanvas::polyline(const std::vector<Point>& points, Color color, float thickness, float dash) {
  for (size_t i = 1; i < points.size(); ++i) line(points[i - 1], points[i], color, thickness, dash);
}

void FigureCanvas::fill_polygon(const std::vector<Point>& points, Color color) {
  if (points.size() < 3) return;
  float top = points[0].y, bottom = points[0].y;
  for (const auto& p : points) top = std::min(top, p.y), bottom = std::max(bottom, p.y);
  std::vector<float> crossings;
  for (int y = std::max(0, static_cast<int>(top)); y < std::min(height_, static_cast<int>(std::ceil(bottom))); ++y) {
    const float center = y + 0.5f;
    crossings.clear();
    for (size_t i = 0; i < points.size(); ++i) {
      const Point& a = points[i];
      const Point& b = points[(i + 1) % points.size()];
      if ((a.y <= center) == (b.y <= center)) continue;
      crossings.push_back(a.x + (center - a.y) * (b.x - a.x) / (b.y - a.y));
    }
    std::sort(crossings.begin(), crossings.end());
    for (size_t i = 0; i + 1 < crossings.size(); i += 2)
      for (int x = std::max(0, static_cast<int>(std::lround(crossings[i])));
           x < std::min(width_, static_cast<int>(std::lround(crossings[i + 1]))); ++x)
        blend(x, y, color, 1.0f);
  }
}

float FigureCanvas::text_width(const std::string& utf8, float size) const {
  const Font& f = font();
  if (!f.loaded) return stb_easy_font_width(const_cast<char*>(utf8.c_str())) * size / kEasyFontHeight;
  const float scale = stbtt_ScaleForPixelHeight(&f.info, size);
  float width = 0;
  for (int codepoint : decode_utf8(utf8)) {
    int advance = 0, bearing = 0;
    stbtt_GetCodepointHMetrics(&f.info, codepoint, &advance, &bearing);
    width += advance * scale;
  }
  return width;
}

void FigureCanvas::text(float x, float y, const std::string& utf8, float size, Color color, Align align) {
  const float width = text_width(utf8, size);
  if (align == Align::center) x -= width / 2;
  if (align == Align::right) x -= width;
  const Font& f = font();
  if (!f.loaded) {
    std::vector<char> buffer(utf8.size() * 300 + 64);
    const float scale = size / kEasyFontHeight;
    const int quads = stb_easy_font_print(0, 0, const_cast<char*>(utf8.c_str()), nullptr, buffer.data(),
                                          static_cast<int>(buffer.size()));
    const auto* vertices = reinterpret_cast<const float*>(buffer.data());
    for (int q = 0; q < quads; ++q) {
      const float* v = vertices + q * 16;  // 4 vertices of (x, y, z, rgba)
      fill_rect(x + v[0] * scale, y - 7 * scale + v[1] * scale, x + v[8] * scale, y - 7 * scale + v[9] * scale, color);
    }
    return;
  }
  const float scale = stbtt_ScaleForPixelHeight(&f.info, size);
  float pen = x;
  for (int codepoint : decode_utf8(utf8)) {
    int advance = 0, bearing = 0, w = 0, h = 0, x_offset = 0, y_offset = 0;
    stbtt_GetCodepointHMetrics(&f.info, codepoint, &advance, &bearing);
    const float shift = pen - std::floor(pen);
    unsigned char* bitmap =
        stbtt_GetCodepointBitmapSubpixel(&f.info, scale, scale, shift, 0, codepoint, &w, &h, &x_offset, &y_offset);
    const int origin_x = static_cast<int>(std::floor(pen)) + x_offset;
    const int origin_y = static_cast<int>(std::lround(y)) + y_offset;
    for (int row = 0; row < h; ++row)
      for (int column = 0; column < w; ++column)
        blend(origin_x + column, origin_y + row, color, bitmap[row * w + column] / 255.0f);
    stbtt_FreeBitmap(bitmap, nullptr);
    pen += advance * scale;
  }
}

void FigureCanvas::save_png(const std::string& path) const {
  if (!stbi_write_png(path.c_str(), width_, height_, 3, pixels_.data(), width_ * 3))
    throw std::runtime_error("cannot write the figure " + path);
}

}  // namespace multipos::study
