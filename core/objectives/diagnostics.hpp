// Diagnostics of where an objective puts probability mass and gradient among a query's
// positives and negatives (docs/objectives.md, "Diagnostics"). Computed every step from the
// batch's own (detached) similarity matrix and dL/dS, and from probe rows; both give the same
// flat list of (name, value) pairs that the run store records and the studio plots.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

#include "core/objectives/batch_builder.hpp"
#include "core/objectives/config.hpp"
#include "core/objectives/loss.hpp"
#include "core/objectives/masks.hpp"

namespace multipos::objectives {

namespace detail {
struct DiagnosticRowContext;  // per-row reductions over the whole row (diagnostics.cpp)
struct DiagnosticRowFigures;  // one row's figures, positives in rank order (diagnostics.cpp)
}  // namespace detail

using DiagnosticList = std::vector<std::pair<std::string, double>>;

// Names, in the order result() lists them (r = 1..max_rank; <source> = each label source name):
//   diag/pos_mass              mean P+ = sum of p over the query's positives
//   diag/mass_rank<r>          mean p of the positive ranked r by score (rank 1 = highest)
//   diag/share_rank<r>         mean within-positive share pi_r = p_(r) / P+
//   diag/entropy_norm          mean H(pi) / log m over queries with m >= 2 (m = 1 has no
//                              spread to measure and is left out; 0 when no query has m >= 2)
//   diag/eff_positives         mean exp(H(pi)) (1 for m = 1)
//   diag/grad_share_pos        share of sum_d |dL/ds_d| going to positives
//   diag/grad_share_hardneg    ... to the query's own hard negatives
//   diag/grad_share_inbatch    ... to in-batch negatives (other queries' passages)
//   diag/grad_share_rank<r>    within positives, share of |dL/ds| going to rank r
//   diag/pushed_down_count     mean number of positives with dL/ds > 0 (pushed down; jointlh)
//   diag/pushed_down_mass      mean p mass of those positives
//   diag/margin                mean (min_P s - max_N s), in similarity units (before tau)
//   diag/mass_source_<source>, diag/grad_share_source_<source>, diag/count_source_<source>
//   diag/mass_false_pos, diag/grad_share_false_pos, diag/count_false_pos
//   diag/positives_per_query   mean m over used queries
//   diag/mass_grade_<g>, diag/share_grade_<g>, diag/grad_share_grade_<g>, diag/count_grade_<g>
//                              per grade level g (only when grade_levels is given): P+ of the
//                              grade-g positives, their within-positive share sum pi, their
//                              share of the row's total |dL/ds|, and their number
//   diag/queries_used, diag/queries_dropped, diag/truncated_queries   counts, not means
// Means are over queries with m > 0, except: rank-r figures over queries with m >= r; gradient
// shares over queries whose gradient is not all zero; margin over queries with a negative.
// Source, grade and false-positive figures count 0 for queries without such positives.
std::vector<std::string> diagnostic_names(const std::vector<std::string>& label_source_names,
                                          int max_rank, const std::vector<float>& grade_levels = {});

// One sentence per name, for the studio's tooltips; empty for names this library never emits.
std::string diagnostic_description(const std::string& name);

// Accumulates rows from one or more (similarities, dL/dS, layout) triples, e.g. all probe rows of
// a probe pass, then averages. Not thread-safe; cheap to create.
class DiagnosticAccumulator {
 public:
  // grade_levels: the grades to split by (ScoreLayout::grade_levels); empty = no grade split.
  DiagnosticAccumulator(ObjectiveConfig config, std::vector<std::string> label_source_names,
                        int max_rank, std::vector<float> grade_levels = {});

  // similarities (and gradient) are R x C, float32 or float64 on the CPU, detached or not;
  // masks must come from `layout`. This overload reads dL/dS from `gradient`: pass
  // probe_gradient() for probe rows, or the training backward's dL/dS (similarities.retain_grad()
  // before backward) to get listwise diagnostics without a second autograd pass.
  void add(const at::Tensor& similarities, const at::Tensor& gradient, const ScoreMasks& masks,
           const ScoreLayout& layout);

  // dL/dS from the spec's closed form, evaluated only on each row's own group plus a few row
  // reductions (no R x C gradient is built); listwise objectives fall back to autograd_gradient,
  // which costs one more forward and backward of the loss. `normalisers` from objective_loss on
  // the same similarities (optional) spare the only exp pass over R x C: about half the cost.
  void add(const at::Tensor& similarities, const ScoreMasks& masks, const ScoreLayout& layout,
           const RowNormalisers* normalisers = nullptr);

  DiagnosticList result() const;

 private:
  using RowContext = detail::DiagnosticRowContext;
  using RowFigures = detail::DiagnosticRowFigures;
  void add_checked(const at::Tensor& similarities, const at::Tensor& gradient,
                   const ScoreMasks& masks, const ScoreLayout& layout,
                   const RowNormalisers* normalisers);
  template <typename T>
  void add_rows(const T* scores, const T* gradient, const ScoreLayout& layout,
                const std::vector<RowContext>& contexts);
  template <typename T>
  void fill_row(const T* scores, const ScoreLayout& layout, int64_t row, const RowContext& context,
                RowFigures& figures) const;
  template <typename T>
  void closed_form_row(const T* scores, const ScoreLayout& layout, int64_t row,
                       const RowContext& context, RowFigures& figures) const;
  void add_row(const RowFigures& row, const ScoreLayout& layout);
  void add_provenance(const RowFigures& row, const ScoreLayout& layout, double total_abs);
  void add_grades(const RowFigures& row, const ScoreLayout& layout, double total_abs);
  void accumulate(size_t slot, double value) {
    sums_[slot] += value;
    counts_[slot] += 1.0;
  }

  ObjectiveConfig config_;
  std::vector<std::string> source_names_;
  int max_rank_;
  std::vector<float> grade_levels_;
  std::vector<std::string> names_;  // diagnostic_names(source_names_, max_rank_)
  std::vector<double> sums_;        // per name: sum of per-query values
  std::vector<double> counts_;      // per name: number of queries averaged
  double queries_used_ = 0, queries_dropped_ = 0, truncated_queries_ = 0;
};

// Diagnostics of one training batch from its similarities and a given dL/dS (see add()).
DiagnosticList in_batch_diagnostics(const at::Tensor& similarities, const at::Tensor& gradient,
                                    const ScoreMasks& masks, const ScoreLayout& layout,
                                    const ObjectiveConfig& config);

// Same, with the closed-form dL/dS (autograd for listwise objectives; see add()).
DiagnosticList in_batch_diagnostics(const at::Tensor& similarities, const ScoreMasks& masks,
                                    const ScoreLayout& layout, const ObjectiveConfig& config,
                                    const RowNormalisers* normalisers = nullptr);

}  // namespace multipos::objectives
