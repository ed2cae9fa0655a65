// A small raster canvas for report figures written by headless commands (no window, no GPU):
// antialiased lines, filled rectangles and polygons with alpha, and text from a system TrueType
// font (DejaVu Sans, installed by scripts/setup) or a built-in vector font when none is found.
// Saved as PNG. Not thread-safe per canvas; separate canvases may be drawn on separate threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace multipos::study {

struct Color {
  uint8_t r = 0, g = 0, b = 0, a = 255;
};

struct Point {
  float x = 0, y = 0;
};

enum class Align { left, center, right };

class FigureCanvas {
 public:
  FigureCanvas(int width, int height, Color background = {255, 255, 255, 255});

  int width() const { return width_; }
  int height() const { return height_; }

  void fill_rect(float x0, float y0, float x1, float y1, Color color);
  // A segment `thickness` pixels wide with antialiased edges; `dash` > 0 draws dashes that long.
  void line(Point from, Point to, Color color, float thickness = 1.5f, float dash = 0);
  void polyline(const std::vector<Point>& points, Color color, float thickness = 1.5f, float dash = 0);
  // Even-odd fill sampled at pixel centres (for translucent bands and areas).
  void fill_polygon(const std::vector<Point>& points, Color color);
  // `y` is the text's baseline; `size` the pixel height of a capital letter plus descender.
  void text(float x, float y, const std::string& utf8, float size, Color color, Align align = Align::left);
  float text_width(const std::string& utf8, float size) const;

  // Throws std::runtime_error naming the path when it cannot be written.
  void save_png(const std::string& path) const;
  const std::vector<uint8_t>& pixels() const { return pixels_; }  // RGB, row-major, top row first

 private:
  void blend(int x, int y, Color color, float coverage);

  int width_, height_;
  std::vector<uint8_t> pixels_;
};

// Whether text uses a TrueType font (false: the built-in vector font).
bool truetype_font_available();

}  // namespace multipos::study
