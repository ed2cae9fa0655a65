#include "ui/export_files.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
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

}  // namespace multipos::ui
