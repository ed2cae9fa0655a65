// Training-step cost of every objective on a B=64, g=8, d=256 batch: S = Q P^T, the loss and its
// backward pass, with and without the in-batch diagnostics (closed-form or autograd dL/dS plus
// the per-query figures). Prints the diagnostics' overhead per objective; the target is < 5%.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/objectives/diagnostics.hpp"
#include "core/objectives/loss.hpp"

namespace {

using namespace multipos::objectives;

constexpr int kQueries = 64;
constexpr int kGroup = 8;
constexpr int kDimension = 256;

ScoreLayout make_layout(bool single_positive) {
  std::mt19937_64 rng(11);
  ScoreLayout layout;
  layout.rows = kQueries;
  layout.columns = kQueries * kGroup;
  layout.column_grade.assign(layout.columns, 0.0f);
  layout.column_label_source.assign(layout.columns, -1);
  layout.column_is_false_positive.assign(layout.columns, 0);
  layout.label_source_names = {"human", "llm"};
  for (int r = 0; r < kQueries; ++r) {
    const int positives = single_positive ? 1 : 1 + static_cast<int>(rng() % 4);
    std::vector<int64_t> positive_columns, negative_columns;
    for (int k = 0; k < kGroup; ++k) {
      const int64_t column = r * kGroup + k;
      if (k < positives) {
        positive_columns.push_back(column);
        layout.column_grade[column] = static_cast<float>(1 + rng() % 3);
        layout.column_label_source[column] = static_cast<int>(rng() % 2);
        layout.column_is_false_positive[column] = rng() % 10 == 0;
      } else {
        negative_columns.push_back(column);
      }
    }
    layout.query_ids.push_back("q" + std::to_string(r));
    layout.positive_columns.push_back(positive_columns);
    layout.own_negative_columns.push_back(negative_columns);
  }
  return layout;
}

struct Inputs {
  ObjectiveConfig config;
  ScoreLayout layout;
  at::Tensor queries, passages;
};

Inputs make_inputs(const std::string& objective) {
  Inputs inputs;
  inputs.config.name = objective;
  inputs.config.temperature = 0.05;
  inputs.layout = make_layout(uses_single_positive(objective));
  at::manual_seed(3);
  inputs.queries = at::randn({kQueries, kDimension}).requires_grad_(true);
  inputs.passages = at::randn({kQueries * kGroup, kDimension}).requires_grad_(true);
  return inputs;
}

// One training step of the loss: masks, S = Q P^T, loss, backward. With diagnostics, the
// figures of the same batch; listwise objectives (no closed form) reuse the training
// backward's dL/dS instead of running autograd a second time.
void BM_Step(benchmark::State& state, const std::string& objective, bool diagnostics) {
  auto inputs = make_inputs(objective);
  const auto& config = inputs.config;
  const bool reuse_backward = diagnostics && !has_closed_form_gradient(objective);
  double checksum = 0;
  for (auto _ : state) {
    const auto masks = make_score_masks(inputs.layout, at::kFloat);
    auto similarities = similarity_matrix(inputs.queries, inputs.passages, config);
    if (reuse_backward) similarities.retain_grad();
    RowNormalisers normalisers;  // what the loss computes anyway, reused by the diagnostics
    objective_loss(similarities, masks, config, &normalisers).backward();
    if (reuse_backward)
      checksum += in_batch_diagnostics(similarities.detach(), similarities.grad(), masks,
                                       inputs.layout, config)[0]
                      .second;
    else if (diagnostics)
      checksum +=
          in_batch_diagnostics(similarities.detach(), masks, inputs.layout, config, &normalisers)[0]
              .second;
    inputs.queries.mutable_grad().reset();
    inputs.passages.mutable_grad().reset();
  }
  benchmark::DoNotOptimize(checksum);
}

// The diagnostics alone on a fixed batch: less noisy than the difference of two step timings.
void BM_Diagnostics(benchmark::State& state, const std::string& objective) {
  auto inputs = make_inputs(objective);
  const auto& config = inputs.config;
  const auto masks = make_score_masks(inputs.layout, at::kFloat);
  auto similarities = similarity_matrix(inputs.queries, inputs.passages, config);
  similarities.retain_grad();
  RowNormalisers normalisers;
  objective_loss(similarities, masks, config, &normalisers).backward();
  const auto scores = similarities.detach();
  const auto gradient = similarities.grad();
  double checksum = 0;
  for (auto _ : state) {
    checksum +=
        has_closed_form_gradient(objective)
            ? in_batch_diagnostics(scores, masks, inputs.layout, config, &normalisers)[0].second
            : in_batch_diagnostics(scores, gradient, masks, inputs.layout, config)[0].second;
  }
  benchmark::DoNotOptimize(checksum);
}

// Collects each run's time per iteration so that main can print the overhead ratios.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) times_[run.run_name.function_name] = run.GetAdjustedCPUTime();
    ConsoleReporter::ReportRuns(runs);
  }
  const std::map<std::string, double>& times() const { return times_; }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  const auto add = [](const std::string& name, auto&& body) {
    benchmark::RegisterBenchmark(name.c_str(), body)->Unit(benchmark::kMicrosecond)->MinTime(0.1);
  };
  for (const auto& objective : objective_names()) {
    add("step/" + objective,
        [objective](benchmark::State& state) { BM_Step(state, objective, false); });
    add("step+diag/" + objective,
        [objective](benchmark::State& state) { BM_Step(state, objective, true); });
    add("diag/" + objective,
        [objective](benchmark::State& state) { BM_Diagnostics(state, objective); });
  }
  benchmark::Initialize(&argc, argv);
  RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto& times = reporter.times();
  const auto time_of = [&times](const std::string& name) {
    const auto found = times.find(name);
    return found == times.end() ? 0.0 : found->second;
  };
  std::printf(
      "\nIn-batch diagnostics overhead (B=%d, g=%d, d=%d, %d torch threads, CPU time; "
      "target < 5%%):\n",
      kQueries, kGroup, kDimension, at::get_num_threads());
  for (const auto& objective : objective_names()) {
    const double step = time_of("step/" + objective);
    const double with = time_of("step+diag/" + objective);
    const double alone = time_of("diag/" + objective);
    if (step <= 0) continue;
    std::printf(
        "  %-12s step %7.1f us | diagnostics alone %6.1f us = %5.1f%% | step+diag %7.1f us "
        "(%+5.1f%%)\n",
        objective.c_str(), step, alone, 100.0 * alone / step, with, 100.0 * (with / step - 1.0));
  }
  benchmark::Shutdown();
  return 0;
}
