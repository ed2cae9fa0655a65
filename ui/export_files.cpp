#include "ui/export_files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>

#include "ui/plot/plot_math.hpp"

namespace multipos::ui {

namespace {

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string metric_text(double value) { return format("%.6f", value); }
std::string delta_text(double value) { return format("%+.6f", value); }
std::string p_text(double value) { return format("%.4g", value); }

std::string run_title(const CompareRow& row) {
  return "#" + std::to_string(row.run_id) + (row.name.empty() ? "" : " " + row.name);
}

const CompareRow* baseline_row(const CompareTable& table) {
  for (const auto& row : table.rows) {
    if (row.is_baseline) return &row;
  }
  return nullptr;
}

// Markdown cells cannot hold a bare '|'.
std::string markdown_text(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '|') escaped += "\\|";
    else if (c == '\n') escaped += ' ';
    else escaped += c;
  }
  return escaped;
}

std::string markdown_cell(const MetricCell& cell, bool is_baseline) {
  if (!cell.present) return "-";
  std::string text = format("%.4f", cell.value);
  if (is_baseline) return text + " (baseline)";
  if (!cell.has_delta) return text;
  text += " (" + format("%+.4f", cell.delta) + (cell.significant ? "*" : "");
  if (cell.tested) {
    text += ", p " + format("%.3g", cell.t_test.p_value) + " / " + format("%.3g", cell.randomization.p_value);
  }
  if (cell.paired_queries > 0) {
    text += ", W/T/L " + std::to_string(cell.win_tie_loss.wins) + "/" + std::to_string(cell.win_tie_loss.ties) +
            "/" + std::to_string(cell.win_tie_loss.losses);
  }
  return text + ")";
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string export_directory(const std::string& db_path) { return db_path + ".exports"; }

std::string export_path(const std::string& db_path, const std::string& stem, const std::string& extension,
                        double unix_time) {
  const std::time_t seconds = static_cast<std::time_t>(unix_time);
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  const std::string base = export_directory(db_path) + "/" + stem + "-" + stamp;
  std::string path = base + "." + extension;
  for (int copy = 2; std::filesystem::exists(path); ++copy) {
    path = base + "-" + std::to_string(copy) + "." + extension;
  }
  return path;
}

std::string write_export(const std::string& db_path, const ExportFile& file, double unix_time) {
  std::error_code error;
  std::filesystem::create_directories(export_directory(db_path), error);
  if (error) throw std::runtime_error("cannot create " + export_directory(db_path) + ": " + error.message());
  const std::string path = export_path(db_path, file.stem, file.extension, unix_time);
  std::ofstream out(path, std::ios::binary);
  out << file.content;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

std::string compare_table_csv(const CompareTable& table) {
  std::string csv = "run_id,name,objective,status,split,step,baseline";
  for (const auto& metric : table.metrics) {
    for (const char* suffix : {"", "_delta", "_p_ttest", "_p_randomization", "_wins", "_ties", "_losses",
                               "_paired_queries", "_significant"}) {
      csv += "," + metric + suffix;
    }
  }
  csv += "\n";
  for (const auto& row : table.rows) {
    csv += std::to_string(row.run_id) + "," + csv_field(row.name) + "," + csv_field(row.objective) + "," +
           csv_field(row.status) + "," + csv_field(row.split) + "," +
           (row.step >= 0 ? std::to_string(row.step) : std::string()) + "," + (row.is_baseline ? "1" : "0");
    for (const auto& cell : row.cells) {
      csv += "," + (cell.present ? metric_text(cell.value) : std::string());
      csv += "," + (cell.has_delta ? delta_text(cell.delta) : std::string());
      csv += "," + (cell.tested ? p_text(cell.t_test.p_value) : std::string());
      csv += "," + (cell.tested ? p_text(cell.randomization.p_value) : std::string());
      const bool paired = cell.paired_queries > 0;
      csv += "," + (paired ? std::to_string(cell.win_tie_loss.wins) : std::string());
      csv += "," + (paired ? std::to_string(cell.win_tie_loss.ties) : std::string());
      csv += "," + (paired ? std::to_string(cell.win_tie_loss.losses) : std::string());
      csv += "," + (cell.has_delta ? std::to_string(cell.paired_queries) : std::string());
      csv += "," + std::string(cell.has_delta ? (cell.significant ? "1" : "0") : "");
    }
    csv += "\n";
  }
  return csv;
}

std::string compare_table_markdown(const CompareTable& table) {
  std::string md = "| Run | Objective | Split | Step |";
  std::string rule = "|---|---|---|---:|";
  for (const auto& metric : table.metrics) {
    md += " " + metric_label(metric) + " |";
    rule += "---:|";
  }
  md += "\n" + rule + "\n";
  for (const auto& row : table.rows) {
    md += "| " + markdown_text(run_title(row)) + " | " + markdown_text(row.objective) + " | " +
          markdown_text(row.split) + " | " + (row.step >= 0 ? std::to_string(row.step) : "-") + " |";
    for (const auto& cell : row.cells) md += " " + markdown_cell(cell, row.is_baseline) + " |";
    md += "\n";
  }
  const CompareRow* baseline = baseline_row(table);
  md += "\n";
  if (baseline) {
    md += "Deltas against " + markdown_text(run_title(*baseline)) + "; p: paired t-test / paired randomization test (" +
          std::to_string(table.options.permutations) + " sign flips) over the queries both runs scored; * both p < " +
          format("%g", table.options.alpha) + ". W/T/L: queries where the run is better / equal / worse.\n";
  } else {
    md += "No baseline: absolute values only.\n";
  }
  return md;
}

std::vector<CurveColumn> chart_columns(const RunViewModel& model, const std::vector<int64_t>& run_ids,
                                       const std::string& series_name, float smoothing) {
  std::vector<CurveColumn> columns;
  for (int64_t run_id : run_ids) {
    const SeriesData* series = model.series(run_id, series_name);
    if (!series || series->steps.empty()) continue;
    const store::RunRecord* run = model.find_run(run_id);
    CurveColumn column;
    column.run_id = run_id;
    column.label = "#" + std::to_string(run_id) + (run && !run->name.empty() ? " " + run->name : "");
    column.steps = series->steps;
    column.values = smoothing > 0.001f ? plot::ema_debiased(series->values, smoothing) : series->values;
    columns.push_back(std::move(column));
  }
  return columns;
}

std::string curves_csv(const std::vector<CurveColumn>& columns) {
  std::set<double> steps;
  for (const auto& column : columns) steps.insert(column.steps.begin(), column.steps.end());
  std::string csv = "step";
  for (const auto& column : columns) csv += "," + csv_field(column.label);
  csv += "\n";
  std::vector<std::size_t> cursor(columns.size(), 0);  // steps are ascending: one forward walk each
  for (double step : steps) {
    csv += format("%.15g", step);
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto& column = columns[c];
      std::size_t& at = cursor[c];
      while (at < column.steps.size() && column.steps[at] < step) ++at;
      csv += ",";
      // A resumed run may hold two points at one step: the chart draws both, the CSV keeps the last.
      std::size_t last = at;
      while (last + 1 < column.steps.size() && column.steps[last + 1] == step) ++last;
      if (at < column.steps.size() && column.steps[at] == step && std::isfinite(column.values[last])) {
        csv += format("%.9g", column.values[last]);
      }
    }
    csv += "\n";
  }
  return csv;
}

namespace {

// printf into a string (the SVG's numbers and attributes).
__attribute__((format(printf, 1, 2))) std::string printf_text(const char* pattern, ...) {
  va_list args;
  va_start(args, pattern);
  char buffer[512];
  const int length = std::vsnprintf(buffer, sizeof buffer, pattern, args);
  va_end(args);
  return length < 0 ? std::string() : std::string(buffer, std::min<std::size_t>(sizeof buffer - 1, static_cast<std::size_t>(length)));
}

}  // namespace

std::string xml_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

struct SvgFrame {
  double left, top, right, bottom;  // the plot area in SVG pixels
  double x_lo, x_hi, y_lo, y_hi;    // data ranges
  double px(double x) const { return left + (x - x_lo) / (x_hi - x_lo) * (right - left); }
  double py(double y) const { return bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top); }
};

std::string hex_color(uint32_t rgb) { return printf_text("#%06x", static_cast<unsigned>(rgb & 0xFFFFFFu)); }

// Data ranges of every finite point; y padded by 5% like the chart.
bool data_ranges(const std::vector<CurveColumn>& columns, SvgFrame& frame) {
  frame.x_lo = frame.y_lo = std::numeric_limits<double>::infinity();
  frame.x_hi = frame.y_hi = -frame.x_lo;
  for (const auto& column : columns) {
    for (std::size_t i = 0; i < column.steps.size() && i < column.values.size(); ++i) {
      if (!std::isfinite(column.values[i])) continue;
      frame.x_lo = std::min(frame.x_lo, column.steps[i]);
      frame.x_hi = std::max(frame.x_hi, column.steps[i]);
      frame.y_lo = std::min(frame.y_lo, column.values[i]);
      frame.y_hi = std::max(frame.y_hi, column.values[i]);
    }
  }
  if (frame.x_lo > frame.x_hi) return false;
  if (!(frame.x_hi > frame.x_lo)) frame.x_lo -= 0.5, frame.x_hi += 0.5;
  const double pad = frame.y_hi > frame.y_lo ? (frame.y_hi - frame.y_lo) * 0.05 : std::max(std::fabs(frame.y_lo) * 0.1, 0.5);
  frame.y_lo -= pad;
  frame.y_hi += pad;
  return true;
}

void svg_axes(std::string& svg, const SvgFrame& frame, const SvgOptions& options) {
  svg += printf_text("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>\n",
                frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top);
  const plot::Ticks x_ticks = plot::nice_ticks(frame.x_lo, frame.x_hi, 8);
  for (double value : x_ticks.values) {
    const double x = frame.px(value);
    svg += printf_text("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", x, frame.top, x, frame.bottom);
    svg += printf_text("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, frame.bottom + 16) +
           xml_escaped(plot::format_tick(value, x_ticks.step)) + "</text>\n";
  }
  const plot::Ticks y_ticks = plot::nice_ticks(frame.y_lo, frame.y_hi, 6);
  for (double value : y_ticks.values) {
    const double y = frame.py(value);
    svg += printf_text("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", frame.left, y, frame.right, y);
    svg += printf_text("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", frame.left - 6, y + 4) +
           xml_escaped(plot::format_tick(value, y_ticks.step)) + "</text>\n";
  }
  svg += printf_text("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (frame.left + frame.right) / 2,
                static_cast<double>(options.height) - 8) +
         xml_escaped(options.x_label) + "</text>\n";
  svg += printf_text("<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">",
                (frame.top + frame.bottom) / 2, (frame.top + frame.bottom) / 2) +
         xml_escaped(options.y_label) + "</text>\n";
  if (!options.title.empty())
    svg += printf_text("<text x=\"%.1f\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">", (frame.left + frame.right) / 2) +
           xml_escaped(options.title) + "</text>\n";
}

// Decimated like the chart, one polyline per unbroken stretch.
void svg_curve(std::string& svg, const SvgFrame& frame, const CurveColumn& column, const std::string& color) {
  std::vector<plot::PlotPoint> points;
  const std::size_t count = std::min(column.steps.size(), column.values.size());
  plot::decimate_min_max(column.steps.data(), column.values.data(), count, frame.x_lo, frame.x_hi,
                         std::max(1, static_cast<int>(frame.right - frame.left)), points);
  std::string stretch;
  auto flush = [&] {
    if (!stretch.empty())
      svg += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\" points=\"" + stretch + "\"/>\n";
    stretch.clear();
  };
  for (const auto& point : points) {
    if (!std::isfinite(point.y)) {
      flush();
      continue;
    }
    stretch += printf_text(stretch.empty() ? "%.1f,%.1f" : " %.1f,%.1f", frame.px(point.x), frame.py(point.y));
  }
  flush();
}

void svg_legend(std::string& svg, const SvgFrame& frame, const std::vector<CurveColumn>& columns,
                const std::vector<std::string>& colors) {
  std::size_t longest = 0;
  for (const auto& column : columns) longest = std::max(longest, column.label.size());
  const double row = 16, width = 40 + 7.0 * static_cast<double>(longest);
  const double x = frame.right - width - 8, y = frame.top + 8;
  svg += printf_text("<g class=\"legend\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" "
                "fill-opacity=\"0.85\" stroke=\"#888\"/>\n",
                x, y, width, row * static_cast<double>(columns.size()) + 8);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const double mid = y + 4 + row * (static_cast<double>(c) + 0.5);
    svg += printf_text("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"", x + 6, mid, x + 28, mid) +
           colors[c] + "\" stroke-width=\"3\"/>";
    svg += printf_text("<text x=\"%.1f\" y=\"%.1f\">", x + 34, mid + 4) + xml_escaped(columns[c].label) + "</text>\n";
  }
  svg += "</g>\n";
}

}  // namespace

std::string curves_svg(const std::vector<CurveColumn>& columns, const std::vector<uint32_t>& rgb_colors,
                       const SvgOptions& options) {
  SvgFrame frame{70, 30, static_cast<double>(options.width) - 20, static_cast<double>(options.height) - 46, 0, 1, 0, 1};
  std::string svg = printf_text("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                           "font-family=\"sans-serif\" font-size=\"12\">\n",
                           options.width, options.height, options.width, options.height);
  svg += printf_text("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", options.width, options.height);
  if (!data_ranges(columns, frame)) return svg + "<text x=\"20\" y=\"40\">no data</text>\n</svg>\n";
  svg_axes(svg, frame, options);
  std::vector<std::string> colors;
  for (std::size_t c = 0; c < columns.size(); ++c)
    colors.push_back(hex_color(c < rgb_colors.size() ? rgb_colors[c] : 0x4477aa));
  svg += printf_text("<clipPath id=\"plot\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n<g clip-path=\"url(#plot)\">\n",
                frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top);
  for (std::size_t c = 0; c < columns.size(); ++c) svg_curve(svg, frame, columns[c], colors[c]);
  svg += "</g>\n";
  svg_legend(svg, frame, columns, colors);
  return svg + "</svg>\n";
}

}  // namespace multipos::ui
