// Tooltip sentences for the diagnostic names (see diagnostics.hpp for the list).
#include <algorithm>
#include <map>

#include "core/objectives/diagnostic_descriptions.hpp"

namespace multipos::objectives {

namespace {

const std::map<std::string, std::string>& fixed_descriptions() {
  static const std::map<std::string, std::string> descriptions = {
      {"diag/pos_mass",
       "Probability mass P+ that the softmax over the whole row puts on the "
       "query's positives, averaged over queries."},
      {"diag/entropy_norm",
       "Evenness of the mass among positives, H(pi)/log m (1 = even, 0 = "
       "all on one), averaged over queries with at least two positives."},
      {"diag/eff_positives",
       "Effective number of positives exp(H(pi)) that share the "
       "positive mass, averaged over queries."},
      {"diag/grad_share_pos", "Share of the total |dL/ds| of a query that goes to its positives."},
      {"diag/grad_share_hardneg",
       "Share of the total |dL/ds| of a query that goes to its own "
       "hard negatives."},
      {"diag/grad_share_inbatch",
       "Share of the total |dL/ds| of a query that goes to the other "
       "queries' passages (in-batch negatives)."},
      {"diag/pushed_down_count",
       "Number of positives per query whose score the objective "
       "pushes down (dL/ds > 0; jointlh does this above p = 1/m)."},
      {"diag/pushed_down_mass", "Probability mass per query of the positives being pushed down."},
      {"diag/margin",
       "Score of the hardest positive minus the score of the hardest negative "
       "(similarity units), averaged over queries."},
      {"diag/mass_false_pos",
       "Probability mass per query on positives known to be false "
       "(injected label noise)."},
      {"diag/grad_share_false_pos",
       "Share of the total |dL/ds| of a query that goes to "
       "positives known to be false."},
      {"diag/count_false_pos", "Number of positives per query known to be false."},
      {"diag/positives_per_query", "Number of positives per query that the loss sees (m)."},
      {"diag/queries_used", "Queries with at least one positive, which enter the loss."},
      {"diag/queries_dropped", "Queries without any positive, dropped from the loss."},
      {"diag/truncated_queries", "Queries whose positives were cut to max_positives."},
      {"data/positives_used",
       "Share of the training queries' positives that have entered a training batch so far "
       "(batch.positive_sampling decides which max_positives enter each epoch)."},
  };
  return descriptions;
}

// Splits "stem<digits>" into the stem and the rank; returns 0 when there is no rank.
int trailing_rank(const std::string& name, const std::string& stem) {
  if (name.rfind(stem, 0) != 0 || name.size() == stem.size()) return 0;
  const auto digits = name.substr(stem.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return digits.size() > 3 ? 0 : std::stoi(digits);
}

std::string suffix_after(const std::string& name, const std::string& stem) {
  return name.rfind(stem, 0) == 0 && name.size() > stem.size() ? name.substr(stem.size()) : "";
}

}  // namespace

std::string diagnostic_description(const std::string& name) {
  const auto& fixed = fixed_descriptions();
  if (const auto it = fixed.find(name); it != fixed.end()) return it->second;
  if (const int r = trailing_rank(name, "diag/mass_rank"); r > 0)
    return "Probability mass on the positive ranked " + std::to_string(r) +
           " by score (1 = highest), averaged over queries with that many positives.";
  if (const int r = trailing_rank(name, "diag/share_rank"); r > 0)
    return "Share of the positive mass P+ held by the positive ranked " + std::to_string(r) +
           " by score.";
  if (const int r = trailing_rank(name, "diag/grad_share_rank"); r > 0)
    return "Share of the positives' |dL/ds| going to the positive ranked " + std::to_string(r) +
           " by score.";
  if (const auto source = suffix_after(name, "diag/mass_source_"); !source.empty())
    return "Probability mass per query on positives labelled by " + source + ".";
  if (const auto source = suffix_after(name, "diag/grad_share_source_"); !source.empty())
    return "Share of the total |dL/ds| of a query that goes to positives labelled by " + source +
           ".";
  if (const auto source = suffix_after(name, "diag/count_source_"); !source.empty())
    return "Number of positives per query labelled by " + source + ".";
  if (const auto grade = suffix_after(name, "diag/mass_grade_"); !grade.empty())
    return "Probability mass per query on the positives of relevance grade " + grade + ".";
  if (const auto grade = suffix_after(name, "diag/share_grade_"); !grade.empty())
    return "Share of the positive mass P+ held by the positives of relevance grade " + grade +
           " (sums to 1 over the grades).";
  if (const auto grade = suffix_after(name, "diag/grad_share_grade_"); !grade.empty())
    return "Share of the total |dL/ds| of a query that goes to its positives of relevance grade " +
           grade + ".";
  if (const auto grade = suffix_after(name, "diag/count_grade_"); !grade.empty())
    return "Number of positives per query of relevance grade " + grade + ".";
  return "";
}

}  // namespace multipos::objectives
