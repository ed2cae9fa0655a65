#include "core/objectives/diagnostics.hpp"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

#include "core/objectives/gradients.hpp"
#include "core/objectives/masked_math.hpp"
#include "core/objectives/registry.hpp"

namespace multipos::objectives {

// [SECTION] Slots: where each figure lives in the accumulator, mirroring diagnostic_names().
namespace {

// A positive counts as pushed down when dL/ds_i exceeds this fraction of the row's total
// |gradient|: at jointlh's exact stationary point p_i = 1/m rounding must not count as a push.
constexpr double kPushedDownTolerance = 1e-6;

struct Slots {
  size_t max_rank, sources;
  size_t pos_mass() const { return 0; }
  size_t mass_rank(size_t r) const { return 1 + r; }  // r is 0-based here
  size_t share_rank(size_t r) const { return 1 + max_rank + r; }
  size_t entropy_norm() const { return 1 + 2 * max_rank; }
  size_t eff_positives() const { return entropy_norm() + 1; }
  size_t grad_share_pos() const { return entropy_norm() + 2; }
  size_t grad_share_hardneg() const { return entropy_norm() + 3; }
  size_t grad_share_inbatch() const { return entropy_norm() + 4; }
  size_t grad_share_rank(size_t r) const { return entropy_norm() + 5 + r; }
  size_t pushed_down_count() const { return grad_share_rank(max_rank); }
  size_t pushed_down_mass() const { return pushed_down_count() + 1; }
  size_t margin() const { return pushed_down_count() + 2; }
  size_t mass_source(size_t k) const { return margin() + 1 + 3 * k; }
  size_t grad_share_source(size_t k) const { return mass_source(k) + 1; }
  size_t count_source(size_t k) const { return mass_source(k) + 2; }
  size_t mass_false() const { return mass_source(sources); }
  size_t grad_share_false() const { return mass_false() + 1; }
  size_t count_false() const { return mass_false() + 2; }
  size_t positives_per_query() const { return mass_false() + 3; }
  size_t mass_grade(size_t k) const { return positives_per_query() + 1 + 4 * k; }
  size_t share_grade(size_t k) const { return mass_grade(k) + 1; }
  size_t grad_share_grade(size_t k) const { return mass_grade(k) + 2; }
  size_t count_grade(size_t k) const { return mass_grade(k) + 3; }
};

const std::vector<std::string> kCountNames = {"diag/queries_used", "diag/queries_dropped",
                                              "diag/truncated_queries"};

}  // namespace

std::vector<std::string> diagnostic_names(const std::vector<std::string>& label_source_names,
                                          int max_rank, const std::vector<float>& grade_levels) {
  std::vector<std::string> names = {"diag/pos_mass"};
  const auto ranked = [&](const std::string& stem) {
    for (int r = 1; r <= max_rank; ++r) names.push_back(stem + std::to_string(r));
  };
  ranked("diag/mass_rank");
  ranked("diag/share_rank");
  for (const char* name : {"diag/entropy_norm", "diag/eff_positives", "diag/grad_share_pos",
                           "diag/grad_share_hardneg", "diag/grad_share_inbatch"})
    names.emplace_back(name);
  ranked("diag/grad_share_rank");
  for (const char* name : {"diag/pushed_down_count", "diag/pushed_down_mass", "diag/margin"})
    names.emplace_back(name);
  for (const auto& source : label_source_names)
    for (const char* stem : {"diag/mass_source_", "diag/grad_share_source_", "diag/count_source_"})
      names.push_back(stem + source);
  for (const char* name : {"diag/mass_false_pos", "diag/grad_share_false_pos",
                           "diag/count_false_pos", "diag/positives_per_query"})
    names.emplace_back(name);
  for (float grade : grade_levels)
    for (const char* stem : {"diag/mass_grade_", "diag/share_grade_", "diag/grad_share_grade_",
                             "diag/count_grade_"})
      names.push_back(stem + grade_label(grade));
  names.insert(names.end(), kCountNames.begin(), kCountNames.end());
  return names;
}

// [SECTION] Per-row figures
// Row-level quantities that need the whole row, computed by a few vectorised ATen reductions.
namespace detail {

struct DiagnosticRowContext {
  double lse_all = NAN;      // LSE_A(s / tau) when the loss handed it over, else NaN
  double lse_negative = 0;   // LSE_N(s / tau); -inf when N is empty; NaN when not computed
  double max_negative = 0;   // max_N s (similarity units); -inf when N is empty
  double negative_ties = 1;  // columns of N at max_N (only for lsepair's max negative selector)
  double total_abs = 0;      // sum_d |dL/ds_d|, when a gradient tensor is given
};

// Everything the accumulator needs about one row; positives in rank order (rank 1 first).
// Reused across rows to avoid allocations.
struct DiagnosticRowFigures {
  std::vector<int64_t> ranked;   // positive columns by descending score
  std::vector<double> logits;    // s / tau of the ranked positives
  std::vector<double> mass;      // p over the whole row
  std::vector<double> share;     // softmax within positives (pi)
  std::vector<double> gradient;  // dL/ds, up to a positive per-row factor
  double log_normaliser = 0;     // LSE_A(s / tau)
  double lse_negative = 0;       // LSE_N(s / tau)
  double own_negative_abs = 0;   // sum |dL/ds| over own hard negatives
  double negative_abs = 0;       // sum |dL/ds| over all of N
  double margin = 0;
  bool has_negative = false;
};

}  // namespace detail

namespace {

using RowContext = detail::DiagnosticRowContext;

double log_add_exp(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  const double top = std::max(a, b);
  return top + std::log(std::exp(a - top) + std::exp(b - top));
}

double entropy(const std::vector<double>& shares) {
  double h = 0;
  for (double share : shares)
    if (share > 0) h -= share * std::log(share);
  return h;
}

double share_of(double part, double whole) { return whole > 0 ? part / whole : 0.0; }

// Tie-sharing indicator weights of the ranked positives equal to `target` (closed form of
// the min / max selectors).
std::vector<double> tie_weights(const std::vector<double>& logits, double target) {
  std::vector<double> weights(logits.size(), 0.0);
  double ties = 0;
  for (size_t i = 0; i < logits.size(); ++i)
    if (logits[i] == target) weights[i] = 1, ties += 1;
  for (double& weight : weights) weight /= ties;
  return weights;
}

}  // namespace

template <typename T>
void DiagnosticAccumulator::fill_row(const T* scores, const ScoreLayout& layout, int64_t row,
                                     const RowContext& context, RowFigures& figures) const {
  const double tau = config_.temperature;
  figures.ranked = layout.positive_columns[row];
  std::stable_sort(figures.ranked.begin(), figures.ranked.end(),
                   [scores](int64_t a, int64_t b) { return scores[a] > scores[b]; });
  figures.logits.clear();
  for (int64_t c : figures.ranked) figures.logits.push_back(static_cast<double>(scores[c]) / tau);
  // Within-positive softmax from the logits themselves, not p_i / P+: P+ may underflow.
  const double top = figures.logits.front();
  double total = 0;
  for (double logit : figures.logits) total += std::exp(logit - top);
  const double lse_positive = top + std::log(total);
  const bool known_all = !std::isnan(context.lse_all);
  figures.log_normaliser =
      known_all ? context.lse_all : log_add_exp(context.lse_negative, lse_positive);
  figures.share.clear();
  figures.mass.clear();
  double positive_mass = 0;
  for (double logit : figures.logits) {
    figures.share.push_back(std::exp(logit - lse_positive));
    figures.mass.push_back(std::exp(logit - figures.log_normaliser));
    positive_mass += figures.mass.back();
  }
  figures.has_negative = std::isfinite(context.max_negative);
  figures.lse_negative = context.lse_negative;
  if (std::isnan(figures.lse_negative))  // only LSE_A is known: LSE_N = LSE_A + log(1 - P+)
    figures.lse_negative = figures.has_negative && positive_mass < 1.0
                               ? figures.log_normaliser + std::log1p(-positive_mass)
                               : -INFINITY;
  figures.margin = static_cast<double>(scores[figures.ranked.back()]) - context.max_negative;
}

// The spec's closed-form dL/ds restricted to the row's positives and own negatives, plus its
// total over N, without materialising the R x C gradient. Per-row positive factors (1/tau,
// 1/m, 1/used rows) are left out: shares and signs do not depend on them.
template <typename T>
void DiagnosticAccumulator::closed_form_row(const T* scores, const ScoreLayout& layout, int64_t row,
                                            const RowContext& context, RowFigures& figures) const {
  const double tau = config_.temperature;
  const auto& own_negatives = layout.own_negative_columns[row];
  const double negative_mass = std::exp(figures.lse_negative - figures.log_normaliser);
  figures.gradient.clear();
  figures.own_negative_abs = 0;
  const LossForm form = objective_traits(config_.name).form;
  if (form == LossForm::lse_pair) {
    const auto& logits = figures.logits;
    double positive_term;
    std::vector<double> push;  // u
    if (config_.positive_selector == "min") {
      positive_term = -logits.back();
      push = tie_weights(logits, logits.back());
    } else if (config_.positive_selector == "max") {
      positive_term = -logits.front();
      push = tie_weights(logits, logits.front());
    } else {
      double total = 0;
      for (double logit : logits) total += std::exp(logits.back() - logit);
      positive_term = -logits.back() + std::log(total);  // LSE_P(-s)
      for (double logit : logits) push.push_back(std::exp(-logit - positive_term));
    }
    const bool max_negative = config_.negative_selector == "max";
    const double negative_term = max_negative ? context.max_negative / tau : figures.lse_negative;
    const double z = negative_term + positive_term;
    const double sigma = z == -INFINITY ? 0.0 : 1.0 / (1.0 + std::exp(-z));
    for (double weight : push) figures.gradient.push_back(-sigma * weight);
    for (int64_t c : own_negatives) {
      const double s = static_cast<double>(scores[c]);
      figures.own_negative_abs +=
          sigma * (max_negative ? (s == context.max_negative ? 1.0 / context.negative_ties : 0.0)
                                : std::exp(s / tau - figures.lse_negative));
    }
    figures.negative_abs = figures.has_negative ? sigma : 0.0;
    return;
  }
  // likelihood (infonce / rand1lh / jointlh): m p - 1[P]; marginal (summarglh): p - w. Both give c * p_n on N.
  const bool summarglh = form == LossForm::marginal_likelihood;
  const double scale = summarglh ? 1.0 : static_cast<double>(figures.logits.size());
  for (size_t i = 0; i < figures.mass.size(); ++i)
    figures.gradient.push_back(summarglh ? figures.mass[i] - figures.share[i]
                                         : scale * figures.mass[i] - 1.0);
  for (int64_t c : own_negatives)
    figures.own_negative_abs +=
        scale * std::exp(static_cast<double>(scores[c]) / tau - figures.log_normaliser);
  figures.negative_abs = scale * negative_mass;
}

template <typename T>
void DiagnosticAccumulator::add_rows(const T* scores, const T* gradient, const ScoreLayout& layout,
                                     const std::vector<RowContext>& contexts) {
  RowFigures figures;
  for (int64_t r = 0; r < layout.rows; ++r) {
    if (layout.positive_columns[r].empty()) continue;
    const T* row_scores = scores + r * layout.columns;
    fill_row(row_scores, layout, r, contexts[r], figures);
    if (gradient == nullptr) {
      closed_form_row(row_scores, layout, r, contexts[r], figures);
    } else {
      const T* row_gradient = gradient + r * layout.columns;
      figures.gradient.clear();
      double positive_abs = 0;
      for (int64_t c : figures.ranked) {
        figures.gradient.push_back(static_cast<double>(row_gradient[c]));
        positive_abs += std::abs(figures.gradient.back());
      }
      figures.own_negative_abs = 0;
      for (int64_t c : layout.own_negative_columns[r])
        figures.own_negative_abs += std::abs(static_cast<double>(row_gradient[c]));
      figures.negative_abs = std::max(0.0, contexts[r].total_abs - positive_abs);
    }
    add_row(figures, layout);
  }
}

void DiagnosticAccumulator::add_row(const RowFigures& row, const ScoreLayout& layout) {
  const Slots slot{static_cast<size_t>(max_rank_), source_names_.size()};
  const size_t m = row.mass.size();
  double positive_abs = 0;
  for (double g : row.gradient) positive_abs += std::abs(g);
  const double total_abs = positive_abs + row.negative_abs;
  double pushed_count = 0, pushed_mass = 0;
  for (size_t i = 0; i < m; ++i)
    if (row.gradient[i] > kPushedDownTolerance * total_abs)
      pushed_count += 1, pushed_mass += row.mass[i];
  accumulate(slot.pos_mass(), std::accumulate(row.mass.begin(), row.mass.end(), 0.0));
  for (size_t r = 0; r < std::min(m, slot.max_rank); ++r) {
    accumulate(slot.mass_rank(r), row.mass[r]);
    accumulate(slot.share_rank(r), row.share[r]);
    if (positive_abs > 0)
      accumulate(slot.grad_share_rank(r), std::abs(row.gradient[r]) / positive_abs);
  }
  const double h = entropy(row.share);
  if (m >= 2) accumulate(slot.entropy_norm(), h / std::log(static_cast<double>(m)));
  accumulate(slot.eff_positives(), std::exp(h));
  if (total_abs > 0) {
    const double in_batch = std::max(0.0, row.negative_abs - row.own_negative_abs);
    accumulate(slot.grad_share_pos(), positive_abs / total_abs);
    accumulate(slot.grad_share_hardneg(), row.own_negative_abs / total_abs);
    accumulate(slot.grad_share_inbatch(), in_batch / total_abs);
  }
  accumulate(slot.pushed_down_count(), pushed_count);
  accumulate(slot.pushed_down_mass(), pushed_mass);
  if (row.has_negative) accumulate(slot.margin(), row.margin);
  add_provenance(row, layout, total_abs);
  accumulate(slot.positives_per_query(), static_cast<double>(m));
  add_grades(row, layout, total_abs);
}

// Mass, within-positive share, gradient share and count per grade level.
void DiagnosticAccumulator::add_grades(const RowFigures& row, const ScoreLayout& layout,
                                       double total_abs) {
  const Slots slot{static_cast<size_t>(max_rank_), source_names_.size()};
  const size_t levels = grade_levels_.size();
  if (levels == 0) return;
  std::vector<double> mass(levels, 0), share(levels, 0), abs_gradient(levels, 0), count(levels, 0);
  for (size_t i = 0; i < row.ranked.size(); ++i) {
    const float grade = layout.column_grade[row.ranked[i]];
    const auto level = std::find(grade_levels_.begin(), grade_levels_.end(), grade);
    if (level == grade_levels_.end()) continue;  // a grade outside the levels: in no band
    const auto k = static_cast<size_t>(level - grade_levels_.begin());
    mass[k] += row.mass[i];
    share[k] += row.share[i];
    abs_gradient[k] += std::abs(row.gradient[i]);
    count[k] += 1;
  }
  for (size_t k = 0; k < levels; ++k) {
    accumulate(slot.mass_grade(k), mass[k]);
    accumulate(slot.share_grade(k), share[k]);
    if (total_abs > 0) accumulate(slot.grad_share_grade(k), abs_gradient[k] / total_abs);
    accumulate(slot.count_grade(k), count[k]);
  }
}

// Mass and gradient shares split by label source and by known-false positives.
void DiagnosticAccumulator::add_provenance(const RowFigures& row, const ScoreLayout& layout,
                                           double total_abs) {
  const Slots slot{static_cast<size_t>(max_rank_), source_names_.size()};
  std::vector<double> source_mass(slot.sources, 0), source_abs(slot.sources, 0),
      source_count(slot.sources, 0);
  double false_mass = 0, false_abs = 0, false_count = 0;
  for (size_t i = 0; i < row.ranked.size(); ++i) {
    const int64_t column = row.ranked[i];
    const int source = layout.column_label_source[column];
    if (source >= 0 && static_cast<size_t>(source) < slot.sources) {
      source_mass[source] += row.mass[i];
      source_abs[source] += std::abs(row.gradient[i]);
      source_count[source] += 1;
    }
    if (layout.column_is_false_positive[column] != 0) {
      false_mass += row.mass[i];
      false_abs += std::abs(row.gradient[i]);
      false_count += 1;
    }
  }
  for (size_t k = 0; k < slot.sources; ++k) {
    accumulate(slot.mass_source(k), source_mass[k]);
    accumulate(slot.grad_share_source(k), share_of(source_abs[k], total_abs));
    accumulate(slot.count_source(k), source_count[k]);
  }
  accumulate(slot.mass_false(), false_mass);
  accumulate(slot.grad_share_false(), share_of(false_abs, total_abs));
  accumulate(slot.count_false(), false_count);
}

// [SECTION] Accumulator
DiagnosticAccumulator::DiagnosticAccumulator(ObjectiveConfig config,
                                             std::vector<std::string> label_source_names,
                                             int max_rank, std::vector<float> grade_levels)
    : config_(std::move(config)),
      source_names_(std::move(label_source_names)),
      max_rank_(max_rank),
      grade_levels_(std::move(grade_levels)),
      names_(diagnostic_names(source_names_, max_rank_, grade_levels_)),
      sums_(names_.size(), 0.0),
      counts_(names_.size(), 0.0) {
  validate_objective_config(config_, "DiagnosticAccumulator");
  if (max_rank_ < 1) throw std::invalid_argument("DiagnosticAccumulator: max_rank must be >= 1");
}

// [SECTION] Row reductions: the only work over whole rows.
namespace {

// Copies a small float32 / float64 tensor out without an extra conversion op.
std::vector<double> to_doubles(const at::Tensor& tensor) {
  const auto flat = tensor.contiguous();
  if (flat.scalar_type() == at::kFloat)
    return std::vector<double>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
  if (flat.scalar_type() == at::kDouble)
    return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
  return to_doubles(flat.to(at::kDouble));
}

// max_N s of every row and, unless the loss handed over a normaliser, LSE_N(s / tau), in a few
// vectorised passes over R x C: N is kept by adding the mask's bias (-inf on positives), and
// the exps are shifted by max_N itself, so the sum is >= 1 on rows with a negative and no
// positive mass is ever subtracted (no cancellation when P+ is close to 1). Few ops on purpose:
// at this size each ATen call costs about as much as its arithmetic, and the exp pass is most
// of the diagnostics' cost.
std::vector<RowContext> row_contexts(const at::Tensor& scores, const ScoreMasks& masks,
                                     double temperature, bool need_ties,
                                     const RowNormalisers* normalisers) {
  auto negatives_only = scores + masks.negative_bias;
  const auto max_negative = negatives_only.amax(1, true);
  const auto max_values = to_doubles(max_negative);
  std::vector<double> ties, all, negatives;
  if (need_ties) ties = to_doubles(negatives_only.eq(max_negative).sum(1));
  if (normalisers != nullptr && normalisers->all.defined()) all = to_doubles(normalisers->all);
  if (normalisers != nullptr && normalisers->negatives.defined())
    negatives = to_doubles(normalisers->negatives);
  if (all.empty() && negatives.empty()) {
    // In place: s - max_N is exact in float32 where s / tau may not be. Rows without negatives
    // give NaN sums here; they are recognised by max_N = -inf below.
    const auto sums =
        to_doubles(negatives_only.sub_(max_negative).mul_(1.0 / temperature).exp_().sum(1));
    for (size_t r = 0; r < sums.size(); ++r)
      negatives.push_back(std::log(sums[r]) + max_values[r] / temperature);
  }
  std::vector<RowContext> contexts(max_values.size());
  for (size_t r = 0; r < contexts.size(); ++r) {
    const bool empty = max_values[r] == -INFINITY;
    contexts[r].lse_all = all.empty() ? NAN : all[r];
    contexts[r].lse_negative = empty ? -INFINITY : negatives.empty() ? NAN : negatives[r];
    contexts[r].max_negative = max_values[r];
    contexts[r].negative_ties = ties.empty() ? 1.0 : ties[r];
  }
  return contexts;
}

}  // namespace

void DiagnosticAccumulator::add_checked(const at::Tensor& similarities, const at::Tensor& gradient,
                                        const ScoreMasks& masks, const ScoreLayout& layout,
                                        const RowNormalisers* normalisers) {
  layout.check();
  if (similarities.dim() != 2 || similarities.size(0) != layout.rows ||
      similarities.size(1) != layout.columns || masks.positive.sizes() != similarities.sizes() ||
      (gradient.defined() && gradient.sizes() != similarities.sizes()))
    throw std::invalid_argument(
        "DiagnosticAccumulator: similarities / gradient / masks do not "
        "match the layout (" +
        std::to_string(layout.rows) + " x " + std::to_string(layout.columns) + ")");
  const at::NoGradGuard no_grad;
  const auto scores = similarities.detach().contiguous();
  const auto gradients =
      gradient.defined() ? gradient.detach().to(scores.scalar_type()).contiguous() : at::Tensor();
  const bool need_ties =
      objective_traits(config_.name).form == LossForm::lse_pair && config_.negative_selector == "max";
  auto contexts = row_contexts(scores, masks, config_.temperature, need_ties, normalisers);
  if (gradients.defined()) {
    const auto totals = to_doubles(gradients.abs().sum(1));
    for (size_t r = 0; r < contexts.size(); ++r) contexts[r].total_abs = totals[r];
  }
  if (scores.scalar_type() == at::kFloat)
    add_rows(scores.data_ptr<float>(), gradients.defined() ? gradients.data_ptr<float>() : nullptr,
             layout, contexts);
  else if (scores.scalar_type() == at::kDouble)
    add_rows(scores.data_ptr<double>(),
             gradients.defined() ? gradients.data_ptr<double>() : nullptr, layout, contexts);
  else
    throw std::invalid_argument("DiagnosticAccumulator: similarities must be float32 or float64");
  queries_used_ += static_cast<double>(layout.used_rows());
  queries_dropped_ += static_cast<double>(layout.dropped_rows());
  truncated_queries_ += static_cast<double>(layout.truncated_queries);
}

void DiagnosticAccumulator::add(const at::Tensor& similarities, const at::Tensor& gradient,
                                const ScoreMasks& masks, const ScoreLayout& layout) {
  if (!gradient.defined())
    throw std::invalid_argument("DiagnosticAccumulator::add: the gradient tensor is undefined");
  add_checked(similarities, gradient, masks, layout, nullptr);
}

void DiagnosticAccumulator::add(const at::Tensor& similarities, const ScoreMasks& masks,
                                const ScoreLayout& layout, const RowNormalisers* normalisers) {
  if (has_closed_form_gradient(config_.name)) {
    detail::check_objective_inputs(similarities, masks, config_);
    add_checked(similarities, at::Tensor(), masks, layout, normalisers);
  } else {
    add_checked(similarities, autograd_gradient(similarities.detach(), masks, config_), masks,
                layout, nullptr);
  }
}

DiagnosticList DiagnosticAccumulator::result() const {
  DiagnosticList list;
  const size_t averaged = names_.size() - kCountNames.size();
  for (size_t i = 0; i < averaged; ++i)
    list.emplace_back(names_[i], counts_[i] > 0 ? sums_[i] / counts_[i] : 0.0);
  list.emplace_back(kCountNames[0], queries_used_);
  list.emplace_back(kCountNames[1], queries_dropped_);
  list.emplace_back(kCountNames[2], truncated_queries_);
  return list;
}

DiagnosticList in_batch_diagnostics(const at::Tensor& similarities, const at::Tensor& gradient,
                                    const ScoreMasks& masks, const ScoreLayout& layout,
                                    const ObjectiveConfig& config) {
  DiagnosticAccumulator accumulator(config, layout.label_source_names, layout.max_positives,
                                    layout.grade_levels);
  accumulator.add(similarities, gradient, masks, layout);
  return accumulator.result();
}

DiagnosticList in_batch_diagnostics(const at::Tensor& similarities, const ScoreMasks& masks,
                                    const ScoreLayout& layout, const ObjectiveConfig& config,
                                    const RowNormalisers* normalisers) {
  DiagnosticAccumulator accumulator(config, layout.label_source_names, layout.max_positives,
                                    layout.grade_levels);
  accumulator.add(similarities, masks, layout, normalisers);
  return accumulator.result();
}

}  // namespace multipos::objectives
