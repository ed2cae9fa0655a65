#include "ui/plot/column_average.hpp"

#include <algorithm>
#include <cmath>

namespace multipos::ui::plot {

void average_by_column(const double* xs, std::size_t count, const std::vector<const double*>& ys,
                       double x_min, double x_max, int columns, std::vector<double>& out_xs,
                       std::vector<std::vector<double>>& out_ys) {
  out_xs.clear();
  out_ys.assign(ys.size(), {});
  if (count == 0) return;
  std::size_t first = static_cast<std::size_t>(std::lower_bound(xs, xs + count, x_min) - xs);
  std::size_t last = static_cast<std::size_t>(std::upper_bound(xs, xs + count, x_max) - xs);
  if (first > 0) --first;           // one neighbour on each side
  if (last < count) ++last;
  const std::size_t n = last - first;
  auto copy_point = [&](std::size_t i) {
    out_xs.push_back(xs[i]);
    for (std::size_t k = 0; k < ys.size(); ++k) out_ys[k].push_back(ys[k][i]);
  };
  if (columns <= 0 || !(x_max > x_min) || n <= 2 * static_cast<std::size_t>(columns)) {
    for (std::size_t i = first; i < last; ++i) copy_point(i);
    return;
  }
  const double width = (x_max - x_min) / columns;
  std::size_t i = first;
  while (i < last) {
    // Points left or right of the range form their own column (they are the edge neighbours).
    const double column = std::floor((xs[i] - x_min) / width);
    std::size_t j = i;
    double sum_x = 0;
    std::vector<double> sums(ys.size(), 0.0);
    while (j < last && std::floor((xs[j] - x_min) / width) == column) {
      sum_x += xs[j];
      for (std::size_t k = 0; k < ys.size(); ++k) sums[k] += ys[k][j];
      ++j;
    }
    const double points = static_cast<double>(j - i);
    out_xs.push_back(sum_x / points);
    for (std::size_t k = 0; k < ys.size(); ++k) out_ys[k].push_back(sums[k] / points);
    i = j;
  }
}

}  // namespace multipos::ui::plot
