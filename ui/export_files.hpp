// What the studio exports and where: the compare table as CSV and Markdown, the Curves chart's
// data as CSV (smoothed as drawn, one column per run), and the file names under "<db>.exports/".
// No ImGui here; formatting is pure and unit-tested, writing is the only I/O.
// Thread-safety: pure functions, safe on any thread; write_export touches the filesystem only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ui/models/compare_model.hpp"
#include "ui/models/run_view_model.hpp"

namespace multipos::ui {

// A file to write next to the database.
struct ExportFile {
  std::string stem;       // "compare", "curves-loss", "studio-compare"
  std::string extension;  // "csv", "md", "png"
  std::string content;    // empty for PNG (the platform writes the pixels)
};

// "<db>.exports"
std::string export_directory(const std::string& db_path);
// "<db>.exports/<stem>-YYYYmmdd-HHMMSS.<extension>" in local time; a name already taken gets
// "-2", "-3", ... so two exports in one second never overwrite each other.
std::string export_path(const std::string& db_path, const std::string& stem, const std::string& extension,
                        double unix_time);
// Creates the directory and writes `file`; returns the path. Throws std::runtime_error naming the
// path when the directory or the file cannot be written.
std::string write_export(const std::string& db_path, const ExportFile& file, double unix_time);

// One row per run (the baseline first), per metric: value, delta, both p-values, W/T/L, the
// number of paired queries and whether the difference is significant. Metrics and deltas with 6
// decimals, p-values with 4 significant digits: more would only be noise for a reader.
std::string compare_table_csv(const CompareTable& table);
// A GitHub-flavoured table: value, signed delta with '*' when significant, both p-values and
// W/T/L per metric; a legend line below names the baseline, the tests and alpha.
std::string compare_table_markdown(const CompareTable& table);

// One curve of the Curves chart as drawn.
struct CurveColumn {
  std::string label;           // "#3 quick/infonce"
  std::vector<double> steps;   // ascending
  std::vector<double> values;  // smoothed when the chart smooths
  int64_t run_id = 0;
};
// The Curves chart's data as it draws it: one column per run of `run_ids` that has the series,
// labelled "#id name", values smoothed with the chart's debiased EMA when smoothing > 0.001
// (the chart's own threshold).
std::vector<CurveColumn> chart_columns(const RunViewModel& model, const std::vector<int64_t>& run_ids,
                                       const std::string& series_name, float smoothing);
// "step,<label>,<label>..." over the union of steps; a run without a point at a step leaves its
// cell empty.
std::string curves_csv(const std::vector<CurveColumn>& columns);

// The chart as a standalone SVG picture: one polyline per column in its colour (0xRRGGBB, parallel
// to `columns`), 1-2-5 ticks with labels, both axis labels, a title and the legend. Each curve is
// decimated per pixel column (min and max kept, as the chart draws it), so a 50k-point series
// stays a small file; NaN values are skipped (as the chart's decimation does). Labels are XML-escaped.
struct SvgOptions {
  std::string title, x_label = "step", y_label;
  int width = 960, height = 540;
};
std::string curves_svg(const std::vector<CurveColumn>& columns, const std::vector<uint32_t>& rgb_colors,
                       const SvgOptions& options);
// &, <, >, " and ' as XML entities.
std::string xml_escaped(const std::string& text);

// RFC 4180 quoting when the text holds a comma, quote or line break.
std::string csv_field(const std::string& text);

}  // namespace multipos::ui
