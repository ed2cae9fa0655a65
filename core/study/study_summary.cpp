#include "core/study/study_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "core/eval/significance.hpp"
#include "core/objectives/registry.hpp"

namespace multipos::study {

namespace {

constexpr double kAlpha = 0.05;

SeedAggregate aggregate_values(const std::vector<double>& values) {
  SeedAggregate aggregate;
  if (values.empty()) return aggregate;
  aggregate.seeds = static_cast<int>(values.size());
  aggregate.min = *std::min_element(values.begin(), values.end());
  aggregate.max = *std::max_element(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  aggregate.mean = sum / static_cast<double>(values.size());
  return aggregate;
}

double field_of(const Allocation& allocation, AllocationField field) {
  switch (field) {
    case AllocationField::false_mass: return allocation.false_mass;
    case AllocationField::false_gradient: return allocation.false_gradient;
    case AllocationField::true_mass: return allocation.true_mass;
    case AllocationField::true_gradient: return allocation.true_gradient;
    case AllocationField::negative_mass: return allocation.negative_mass;
    case AllocationField::negative_gradient: return allocation.negative_gradient;
  }
  return 0;
}

// Per-query values of one side, averaged over the given seeds; queries every seed scored only.
std::map<std::string, double> seed_averaged_queries(const std::vector<const RunResult*>& runs, const std::string& metric) {
  std::map<std::string, double> sums;
  std::map<std::string, int> counts;
  for (const RunResult* run : runs) {
    auto it = run->per_query.find(metric);
    if (it == run->per_query.end()) continue;
    for (const auto& [query, value] : it->second) {
      sums[query] += value;
      ++counts[query];
    }
  }
  std::map<std::string, double> means;
  for (const auto& [query, sum] : sums)
    if (counts[query] == static_cast<int>(runs.size())) means[query] = sum / counts[query];
  return means;
}

std::string number(double value, int digits = 3) {
  if (std::fabs(value) < 0.5 * std::pow(10.0, -digits)) value = 0;  // no "-0.000"
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string p_text(double p) { return p < 0.001 ? "p < 0.001" : "p = " + number(p, 3); }

struct Ranked {
  std::string objective;
  double mean = 0;
};

std::vector<Ranked> ranking(const StudyResults& results, const std::string& regime, double rate,
                            const std::string& metric) {
  std::vector<Ranked> ranked;
  for (const auto& objective : results.spec.objectives) {
    SeedAggregate aggregate = aggregate_metric(results, regime, rate, objective, metric);
    if (aggregate.seeds > 0) ranked.push_back({objective, aggregate.mean});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.mean > b.mean; });
  return ranked;
}

void summarize_regime(const StudyResults& results, const std::string& regime, StudySummary& summary) {
  const std::string metric = "ndcg_cut_10";
  const auto& rates = results.spec.noise_rates;
  const double clean = *std::min_element(rates.begin(), rates.end());
  const double noisiest = *std::max_element(rates.begin(), rates.end());
  for (double rate : rates) {
    auto ranked = ranking(results, regime, rate, metric);
    if (ranked.empty()) continue;
    std::string sentence = "**" + describe_section(regime) + ", noise " + format_rate(rate) + "**: " + objective_label(ranked[0].objective) +
                           " leads on nDCG@10 (" + number(ranked[0].mean) + ")";
    if (ranked.size() > 1) {
      PairedComparison lead = compare_in_cell(results, regime, rate, ranked[0].objective, ranked[1].objective, metric);
      sentence += ", ahead of " + objective_label(ranked[1].objective) + " (" + number(ranked[1].mean) + ")";
      if (lead.valid)
        sentence += lead.t_test_p < kAlpha ? ", a significant lead (" + p_text(lead.t_test_p) + ")"
                                           : ", not a significant lead (" + p_text(lead.t_test_p) + ")";
    }
    summary.sentences.push_back(sentence + ".");
  }
  if (rates.size() > 1) {
    std::vector<std::pair<double, std::string>> drops;
    for (const auto& objective : results.spec.objectives) {
      SeedAggregate a = aggregate_metric(results, regime, clean, objective, metric);
      SeedAggregate b = aggregate_metric(results, regime, noisiest, objective, metric);
      if (a.seeds > 0 && b.seeds > 0) drops.emplace_back(a.mean - b.mean, objective);
    }
    if (drops.size() > 1) {
      std::sort(drops.begin(), drops.end());
      summary.sentences.push_back(
          "**" + describe_section(regime) + "**: from noise " + format_rate(clean) + " to " + format_rate(noisiest) + ", " +
          objective_label(drops.front().second) + " changes least (" + number(-drops.front().first, 3) +
          " nDCG@10) and " + objective_label(drops.back().second) + " most (" + number(-drops.back().first, 3) + ").");
    }
  }
  std::vector<std::pair<double, std::string>> false_mass, false_gradient;
  for (const auto& objective : results.spec.objectives) {
    SeedAggregate m = aggregate_allocation(results, regime, noisiest, objective, AllocationField::false_mass);
    SeedAggregate g = aggregate_allocation(results, regime, noisiest, objective, AllocationField::false_gradient);
    if (m.seeds > 0) false_mass.emplace_back(m.mean, objective);
    if (g.seeds > 0) false_gradient.emplace_back(g.mean, objective);
  }
  if (noisiest > 0 && false_mass.size() > 1) {
    std::sort(false_mass.begin(), false_mass.end());
    std::sort(false_gradient.begin(), false_gradient.end());
    summary.sentences.push_back(
        "**" + describe_section(regime) + ", noise " + format_rate(noisiest) + "**: at the end of training " +
        objective_label(false_mass.back().second) + " puts the most probability mass on false positives (" +
        number(false_mass.back().first) + " of the probe queries' mass), " + objective_label(false_mass.front().second) +
        " the least (" + number(false_mass.front().first) + "); the largest gradient share to false positives is " +
        objective_label(false_gradient.back().second) + "'s (" + number(false_gradient.back().first) + ").");
  }
}

}  // namespace

std::string objective_label(const std::string& objective) {
  if (const auto* traits = objectives::find_objective(objective)) return traits->label;
  if (objective == kBm25Baseline) return "BM25";  // the baselines a study reports beside the objectives
  return objective;  // "untrained"
}

SeedAggregate aggregate_metric(const StudyResults& results, const std::string& regime, double noise_rate,
                               const std::string& objective, const std::string& metric) {
  std::vector<double> values;
  for (uint64_t seed : results.spec.seeds) {
    const RunResult* run = results.find({regime, noise_rate, seed, objective});
    if (!run || !run->scored()) continue;
    auto it = run->mean.find(metric);
    if (it != run->mean.end()) values.push_back(it->second);
  }
  return aggregate_values(values);
}

SeedAggregate aggregate_untrained(const StudyResults& results, const std::string& metric) {
  std::vector<double> values;
  for (const auto& [seed, run] : results.untrained) {
    auto it = run.mean.find(metric);
    if (it != run.mean.end()) values.push_back(it->second);
  }
  return aggregate_values(values);
}

SeedAggregate aggregate_allocation(const StudyResults& results, const std::string& regime, double noise_rate,
                                   const std::string& objective, AllocationField field) {
  std::vector<double> values;
  for (uint64_t seed : results.spec.seeds) {
    const RunResult* run = results.find({regime, noise_rate, seed, objective});
    if (run && run->status == "finished" && run->allocation.present) values.push_back(field_of(run->allocation, field));
  }
  return aggregate_values(values);
}

std::string format_grade(double grade) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", grade);
  return text;
}

std::vector<double> allocation_grades(const StudyResults& results) {
  std::set<double, std::greater<double>> grades;
  for (const auto& [key, run] : results.cells)
    for (const auto& [grade, value] : run.allocation.grade_mass) grades.insert(grade);
  return {grades.begin(), grades.end()};
}

SeedAggregate aggregate_grade_allocation(const StudyResults& results, const std::string& regime, double noise_rate,
                                         const std::string& objective, double grade, bool gradient) {
  std::vector<double> values;
  for (uint64_t seed : results.spec.seeds) {
    const RunResult* run = results.find({regime, noise_rate, seed, objective});
    if (!run || run->status != "finished" || !run->allocation.present) continue;
    const auto& split = gradient ? run->allocation.grade_gradient : run->allocation.grade_mass;
    const auto found = split.find(grade);
    values.push_back(found == split.end() ? 0.0 : found->second);
  }
  return aggregate_values(values);
}

PairedComparison compare_in_cell(const StudyResults& results, const std::string& regime, double noise_rate,
                                 const std::string& objective, const std::string& reference, const std::string& metric) {
  std::vector<const RunResult*> left, right;
  for (uint64_t seed : results.spec.seeds) {
    const RunResult* a = results.find({regime, noise_rate, seed, objective});
    const RunResult* b = reference == kBm25Baseline ? &results.bm25 : results.find({regime, noise_rate, seed, reference});
    if (a && b && a->scored() && b->scored()) {
      left.push_back(a);
      right.push_back(b);
    }
  }
  PairedComparison comparison;
  if (left.empty()) return comparison;
  auto a = seed_averaged_queries(left, metric), b = seed_averaged_queries(right, metric);
  std::vector<double> xs, ys;
  for (const auto& [query, value] : a) {
    auto it = b.find(query);
    if (it == b.end()) continue;
    xs.push_back(value);
    ys.push_back(it->second);
  }
  if (xs.size() < 2) return comparison;
  comparison.valid = true;
  comparison.queries = static_cast<int>(xs.size());
  const auto t_test = eval::paired_t_test(xs, ys);
  comparison.delta = t_test.mean_difference;
  comparison.t_test_p = t_test.p_value;
  comparison.randomization_p = eval::paired_randomization_test(xs, ys, 2000).p_value;
  const auto counts = eval::count_win_tie_loss(xs, ys, 1e-9);
  comparison.wins = static_cast<int>(counts.wins);
  comparison.ties = static_cast<int>(counts.ties);
  comparison.losses = static_cast<int>(counts.losses);
  return comparison;
}

StudySummary summarize(const StudyResults& results) {
  StudySummary summary;
  const int planned = results.finished + results.unfinished + results.failed;
  if (results.finished < planned)
    summary.sentences.push_back("Partial results: " + std::to_string(results.finished) + " of " +
                                std::to_string(planned) + " runs finished (" + std::to_string(results.failed) +
                                " failed); the numbers cover finished runs only.");
  if (results.finished == 0) {
    summary.learned = false;
    summary.sentences.push_back("No run has finished yet: nothing to compare.");
    return summary;
  }
  SeedAggregate untrained = aggregate_untrained(results, "ndcg_cut_10");
  double best_overall = -std::numeric_limits<double>::infinity();
  std::string best_objective;
  for (const auto& objective : results.spec.objectives) {
    std::vector<double> means;
    for (const auto& regime : study_sections(results.spec))
      for (double rate : results.spec.noise_rates) {
        SeedAggregate a = aggregate_metric(results, regime, rate, objective, "ndcg_cut_10");
        if (a.seeds > 0) means.push_back(a.mean);
      }
    if (means.empty()) continue;
    double mean = aggregate_values(means).mean;
    if (mean > best_overall) best_overall = mean, best_objective = objective;
  }
  if (untrained.seeds > 0 && best_overall <= untrained.mean) {
    summary.learned = false;
    summary.sentences.push_back("**The runs did not learn**: no objective beats its own untrained start on nDCG@10 "
                                "(best " + objective_label(best_objective) + " " + number(best_overall) +
                                " against " + number(untrained.mean) + " untrained), so ranking the objectives "
                                "would rank noise. Train longer, raise the learning rate, or use an encoder that "
                                "learns on this data.");
    return summary;
  }
  if (untrained.seeds > 0)
    summary.sentences.push_back("Training helps: the untrained encoder scores " + number(untrained.mean) +
                                " nDCG@10, the best objective on average (" + objective_label(best_objective) +
                                ") " + number(best_overall) + ".");
  if (auto bm25 = results.bm25.mean.find("ndcg_cut_10"); bm25 != results.bm25.mean.end())
    summary.sentences.push_back("BM25 scores " + number(bm25->second) + " nDCG@10 on the same " + results.spec.split +
                                " queries.");
  for (const auto& regime : study_sections(results.spec)) summarize_regime(results, regime, summary);
  return summary;
}

}  // namespace multipos::study
