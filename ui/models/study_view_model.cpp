#include "ui/models/study_view_model.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>

#include "core/store/run_store.hpp"
#include "core/study/study_results.hpp"
#include "core/study/study_spec.hpp"
#include "core/study/study_summary.hpp"

namespace multipos::ui {

namespace {

using study::SeedAggregate;

StudyCurve curve_over_rates(const std::string& label, const std::string& objective, const std::vector<double>& rates,
                            const std::function<SeedAggregate(double)>& value_at) {
  StudyCurve curve;
  curve.label = label;
  curve.objective = objective;
  for (double rate : rates) {
    SeedAggregate a = value_at(rate);
    if (a.seeds == 0) continue;
    curve.xs.push_back(rate);
    curve.mean.push_back(a.mean);
    curve.low.push_back(a.min);
    curve.high.push_back(a.max);
  }
  return curve;
}

StudyCurve flat_curve(const std::string& label, const std::vector<double>& rates, SeedAggregate a) {
  StudyCurve curve;
  curve.label = label;
  curve.objective = label == "BM25" ? "bm25" : "untrained";
  curve.reference = true;
  if (a.seeds == 0 || rates.empty()) return curve;
  curve.xs = {rates.front(), rates.back()};
  curve.mean = {a.mean, a.mean};
  curve.low = {a.min, a.min};
  curve.high = {a.max, a.max};
  return curve;
}

}  // namespace

std::vector<std::string> study_names(const std::string& database) { return study::list_studies(database); }

StudyView build_study_view(const std::string& database, const std::string& name) {
  StudyView view;
  view.name = name;
  view.directory = study::study_directory(database, name);
  view.report_path = view.directory + "/report.md";
  std::error_code ignored;
  view.report_exists = std::filesystem::exists(view.report_path, ignored);
  try {
    study::StudyState state = study::load_study_state(view.directory);
    store::RunStore store(database, store::RunStore::Mode::read_only);
    study::StudyResults results = study::collect_results(state, store);
    view.finished = results.finished;
    view.unfinished = results.unfinished;
    view.failed = results.failed;
    view.summary = study::summarize(results).sentences;
    view.regimes = study::study_sections(state.spec);
    std::vector<double> rates = state.spec.noise_rates;
    std::sort(rates.begin(), rates.end());
    for (const auto& regime : view.regimes) {
      auto& panels = view.panels[regime];
      for (const auto& metric : study::study_metrics()) {
        std::vector<StudyCurve> curves;
        for (const auto& objective : state.spec.objectives)
          curves.push_back(curve_over_rates(study::objective_label(objective), objective, rates, [&](double rate) {
            return study::aggregate_metric(results, regime, rate, objective, metric);
          }));
        SeedAggregate bm25;
        if (auto it = results.bm25.mean.find(metric); it != results.bm25.mean.end())
          bm25 = {it->second, it->second, it->second, 1};
        curves.push_back(flat_curve("BM25", rates, bm25));
        curves.push_back(flat_curve("untrained", rates, study::aggregate_untrained(results, metric)));
        panels.emplace_back(study::metric_label(metric), std::move(curves));
      }
      std::vector<StudyCurve> mass;
      for (const auto& objective : state.spec.objectives)
        mass.push_back(curve_over_rates(study::objective_label(objective), objective, rates, [&](double rate) {
          return study::aggregate_allocation(results, regime, rate, objective, study::AllocationField::false_mass);
        }));
      panels.emplace_back("Mass on false positives", std::move(mass));
    }
  } catch (const std::exception& error) {
    view.error = error.what();
  }
  return view;
}

}  // namespace multipos::ui
