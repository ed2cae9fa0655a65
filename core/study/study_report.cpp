#include "core/study/study_report.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/objectives/registry.hpp"
#include "core/study/study_figures.hpp"
#include "core/study/study_summary.hpp"

namespace multipos::study {

namespace {

std::string fixed(double value, int digits = 3) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string signed_fixed(double value) { return (value >= 0 ? "+" : "") + fixed(value); }

std::string cell_text(const SeedAggregate& a) {
  if (a.seeds == 0) return "-";
  if (a.seeds == 1) return fixed(a.mean);
  return fixed(a.mean) + " [" + fixed(a.min) + ", " + fixed(a.max) + "]";
}

std::string join(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string header_row(const std::string& first, const std::vector<double>& rates, const std::string& second = "") {
  std::string row = "| " + first + (second.empty() ? "" : " | " + second);
  std::string rule = "|---" + std::string(second.empty() ? "" : "|---");
  for (double rate : rates) {
    row += " | noise " + format_rate(rate);
    rule += "|---:";
  }
  return row + " |\n" + rule + "|\n";
}

void metric_table(std::ostringstream& out, const StudyResults& results, const std::string& regime, const std::string& metric) {
  const auto& rates = results.spec.noise_rates;
  out << "**" << metric_label(metric) << "** (mean over seeds [min, max])\n\n" << header_row("objective", rates);
  for (const auto& objective : results.spec.objectives) {
    out << "| " << objective_label(objective);
    for (double rate : rates) out << " | " << cell_text(aggregate_metric(results, regime, rate, objective, metric));
    out << " |\n";
  }
  if (auto bm25 = results.bm25.mean.find(metric); bm25 != results.bm25.mean.end()) {
    out << "| BM25";
    for (size_t i = 0; i < rates.size(); ++i) out << " | " << fixed(bm25->second);
    out << " |\n";
  }
  SeedAggregate untrained = aggregate_untrained(results, metric);
  if (untrained.seeds > 0) {
    out << "| untrained encoder";
    for (size_t i = 0; i < rates.size(); ++i) out << " | " << cell_text(untrained);
    out << " |\n";
  }
  out << "\n";
}

void significance_table(std::ostringstream& out, const StudyResults& results, const std::string& regime) {
  const auto& rates = results.spec.noise_rates;
  out << "**Paired significance, nDCG@10** (difference of means; per-query values averaged over seeds; two-sided "
         "paired t-test p, randomization-test p in brackets; * when both < 0.05)\n\n"
      << header_row("objective", rates, "against");
  // The references are the study's objectives the registry marks as such (Rand1LH, then InfoNCE).
  std::vector<std::pair<int, std::string>> references;
  for (const auto& objective : results.spec.objectives)
    if (const auto* traits = objectives::find_objective(objective); traits && traits->reference_rank > 0)
      references.emplace_back(traits->reference_rank, objective);
  std::sort(references.begin(), references.end());
  for (const auto& [rank, reference] : references) {
    for (const auto& objective : results.spec.objectives) {
      if (objective == reference) continue;
      out << "| " << objective_label(objective) << " | " << objective_label(reference);
      for (double rate : rates) {
        PairedComparison c = compare_in_cell(results, regime, rate, objective, reference, "ndcg_cut_10");
        if (!c.valid) {
          out << " | -";
          continue;
        }
        const bool significant = c.t_test_p < 0.05 && c.randomization_p < 0.05;
        out << " | " << signed_fixed(c.delta) << " (p " << fixed(c.t_test_p) << " [" << fixed(c.randomization_p) << "])"
            << (significant ? " *" : "");
      }
      out << " |\n";
    }
  }
  out << "\n";
}

void allocation_table(std::ostringstream& out, const StudyResults& results, const std::string& regime) {
  out << "**Allocation at the end of training** (probe queries; mass = share of the softmax over each query's "
         "candidates, gradient = share of |dL/ds|; mean over seeds)\n\n"
      << "| objective | noise | mass: true pos. | mass: false pos. | mass: negatives | gradient: true pos. | "
         "gradient: false pos. | gradient: negatives |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
  const AllocationField fields[6] = {AllocationField::true_mass,     AllocationField::false_mass,
                                     AllocationField::negative_mass, AllocationField::true_gradient,
                                     AllocationField::false_gradient, AllocationField::negative_gradient};
  for (const auto& objective : results.spec.objectives)
    for (double rate : results.spec.noise_rates) {
      out << "| " << objective_label(objective) << " | " << format_rate(rate);
      for (AllocationField field : fields) {
        SeedAggregate a = aggregate_allocation(results, regime, rate, objective, field);
        out << " | " << (a.seeds ? fixed(a.mean) : "-");
      }
      out << " |\n";
    }
  out << "\n";
}

// The allocation split by the positives' relevance grade (issue #24), when the probe rows hold
// several grades: one column pair (mass, gradient) per grade, highest grade first; mean over seeds.
void allocation_by_grade_table(std::ostringstream& out, const StudyResults& results, const std::string& regime) {
  const std::vector<double> grades = allocation_grades(results);
  if (grades.empty()) return;
  out << "**Allocation by grade** (the positives' share of mass and of |dL/ds| by relevance grade, highest first; "
         "probe queries, mean over seeds)\n\n| objective | noise";
  for (double grade : grades) out << " | mass: grade " << format_grade(grade);
  for (double grade : grades) out << " | gradient: grade " << format_grade(grade);
  out << " |\n|---|---:";
  for (size_t i = 0; i < 2 * grades.size(); ++i) out << "|---:";
  out << "|\n";
  for (const auto& objective : results.spec.objectives)
    for (double rate : results.spec.noise_rates) {
      out << "| " << objective_label(objective) << " | " << format_rate(rate);
      for (const bool gradient : {false, true})
        for (double grade : grades) {
          const SeedAggregate a = aggregate_grade_allocation(results, regime, rate, objective, grade, gradient);
          out << " | " << (a.seeds ? fixed(a.mean) : "-");
        }
      out << " |\n";
    }
  out << "\n";
}

std::string figure_name(const std::string& kind, const std::string& regime) {
  const auto [name, scheme] = split_section(regime);
  return "figures/" + kind + "-" + name + (scheme.empty() ? "" : "-" + scheme) + ".png";
}

// The base config's batch.positive_sampling ("first" when not set).
std::string base_sampling(const StudySpec& spec) {
  const auto& batch = spec.base_config.contains("batch") ? spec.base_config.at("batch") : nlohmann::json();
  return batch.is_object() && batch.contains("positive_sampling") && batch.at("positive_sampling").is_string()
             ? batch.at("positive_sampling").get<std::string>()
             : "first";
}

std::string today() {
  std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", std::localtime(&now));
  return text;
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

std::string describe_base(const nlohmann::json& config) {
  std::string dataset = config.contains("dataset") ? config["dataset"].value("kind", "synthetic") : "synthetic";
  if (config.contains("dataset") && config["dataset"].contains("path"))
    dataset += " " + config["dataset"]["path"].get<std::string>();
  std::string encoder = config.contains("encoder") ? config["encoder"].value("kind", "bag") : "bag";
  std::string steps = config.contains("steps") ? config["steps"].dump() : "default";
  return "dataset " + dataset + ", encoder " + encoder + ", " + steps + " steps per run";
}

}  // namespace

std::string report_markdown(const StudyResults& results, const std::string& database) {
  const StudySpec& spec = results.spec;
  std::vector<std::string> objective_names, seeds, rates;
  for (const auto& objective : spec.objectives) objective_names.push_back(objective_label(objective));
  for (uint64_t seed : spec.seeds) seeds.push_back(std::to_string(seed));
  for (double rate : spec.noise_rates) rates.push_back(format_rate(rate));
  std::ostringstream out;
  out << "# Study " << spec.name << "\n\n"
      << describe_base(spec.base_config) << "; objectives " << join(objective_names) << "; label regimes "
      << join(spec.regimes) << "; false-positive rates " << join(rates) << "; seeds " << join(seeds)
      << (spec.positive_samplings.empty() ? std::string()
                                          : "; positive sampling schemes " + join(spec.positive_samplings) +
                                                " (batch.positive_sampling: one set of tables per scheme)")
      << ". Scored on the "
      << spec.split << " split (clean labels: regime and noise change only the training positives).\n\n"
      << "Runs: " << results.finished << " finished, " << results.unfinished << " not finished, " << results.failed
      << " failed. Generated " << today() << " from `" << database << "`; every number below is read from that "
      << "database.\n\n## Summary\n\n";
  StudySummary summary = summarize(results);
  for (const auto& sentence : summary.sentences) out << "- " << sentence << "\n";
  out << "\n";
  for (const auto& regime : study_sections(spec)) {
    out << "## Regime " << describe_section(regime) << "\n\n"
        << "Positive sampling in these tables: `"
        << (split_section(regime).second.empty() ? base_sampling(spec) : split_section(regime).second) << "`.\n\n"
        << "![metrics against noise, " << regime << "](" << figure_name("metrics", regime) << ")\n\n";
    for (const auto& metric : study_metrics()) metric_table(out, results, regime, metric);
    significance_table(out, results, regime);
    out << "![mass and gradient allocation, " << regime << "](" << figure_name("allocation", regime) << ")\n\n";
    allocation_table(out, results, regime);
    allocation_by_grade_table(out, results, regime);
  }
  std::vector<std::string> failures;
  for (const auto& [key, run] : results.cells)
    if (run.status == "failed") failures.push_back("run " + std::to_string(run.run_id) + " (" + key + "): " + run.error);
  if (!failures.empty()) {
    out << "## Failed runs\n\n";
    for (const auto& failure : failures) out << "- " << failure << "\n";
    out << "\n";
  }
  return out.str();
}

std::string write_study_report(const StudyResults& results, const std::string& directory, const std::string& database) {
  std::filesystem::create_directories(directory + "/figures");
  for (const auto& regime : study_sections(results.spec)) {
    for (const auto& [kind, canvas] : {std::pair{std::string("metrics"), metric_figure(results, regime)},
                                       std::pair{std::string("allocation"), allocation_figure(results, regime)}}) {
      const std::string path = directory + "/" + figure_name(kind, regime);
      canvas.save_png(path + ".tmp.png");
      std::filesystem::rename(path + ".tmp.png", path);
    }
  }
  const std::string report = directory + "/report.md";
  write_atomically(report, report_markdown(results, database));
  return report;
}

}  // namespace multipos::study
