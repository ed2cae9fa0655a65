#include "core/data/label_regime.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

#include "core/util/rng.hpp"

namespace multipos::data {

namespace {

using util::Rng;

// The index of the human positive: the highest grade, known-false positives only as a last
// resort, ties broken by a per-query seeded draw (independent of query order).
std::size_t pick_top(const std::vector<Judgment>& judged, const std::string& query_id, uint64_t seed) {
  bool any_true = std::any_of(judged.begin(), judged.end(), [](const Judgment& j) { return !j.is_false_positive; });
  float best = -INFINITY;
  std::vector<std::size_t> tied;
  for (std::size_t i = 0; i < judged.size(); ++i) {
    if (any_true && judged[i].is_false_positive) continue;
    if (judged[i].grade > best) {
      best = judged[i].grade;
      tied.clear();
    }
    if (judged[i].grade == best) tied.push_back(i);
  }
  Rng rng(util::stable_hash(query_id, seed));
  return tied[rng.below(tied.size())];
}

std::vector<Judgment> relabel(Dataset& dataset, int32_t query, const RegimeConfig& config, int16_t human, int16_t llm) {
  const auto& judged = dataset.judgments[static_cast<std::size_t>(query)];
  std::vector<Judgment> kept;
  if (judged.empty()) return kept;
  const std::size_t cap = config.max_positives > 0 ? static_cast<std::size_t>(config.max_positives) : judged.size();
  std::size_t top = judged.size();
  if (config.regime != Regime::llm_dense) {
    top = pick_top(judged, dataset.query_ids[static_cast<std::size_t>(query)], config.seed);
    kept.push_back(judged[top]);
    kept.back().label_source = human;
    if (config.regime == Regime::human_single) return kept;
  }
  for (std::size_t i = 0; i < judged.size() && kept.size() < cap; ++i) {
    if (i == top || judged[i].grade < config.threshold) continue;
    kept.push_back(judged[i]);
    kept.back().label_source = llm;
  }
  return kept;
}

// Positions where a positive of grade `grade` keeps the list sorted by grade (descending),
// position 0 excluded.
std::pair<std::size_t, std::size_t> insertion_range(const std::vector<Judgment>& judged, float grade) {
  std::size_t low = 0;
  while (low < judged.size() && judged[low].grade > grade) ++low;
  std::size_t high = low;
  while (high < judged.size() && judged[high].grade >= grade) ++high;
  return {std::max<std::size_t>(low, 1), std::max<std::size_t>(high, 1)};
}

std::size_t drop_true_positives(Dataset& dataset, double rate, std::size_t true_total, Rng& rng) {
  std::vector<std::pair<int32_t, std::size_t>> slots;  // (query, position) of each true positive
  for (int32_t q : dataset.train_queries) {
    const auto& judged = dataset.judgments[static_cast<std::size_t>(q)];
    for (std::size_t i = 0; i < judged.size(); ++i)
      if (!judged[i].is_false_positive) slots.emplace_back(q, i);
  }
  rng.shuffle(slots);
  const auto quota = static_cast<std::size_t>(std::llround(rate * static_cast<double>(true_total)));
  std::vector<std::size_t> remaining(dataset.num_queries(), 0);
  for (const auto& slot : slots) ++remaining[static_cast<std::size_t>(slot.first)];
  std::vector<std::vector<bool>> drop(dataset.num_queries());
  std::size_t dropped = 0;
  for (const auto& [q, position] : slots) {
    if (dropped == quota) break;
    auto& left = remaining[static_cast<std::size_t>(q)];
    if (left <= 1) continue;  // a query keeps its last true positive
    auto& marks = drop[static_cast<std::size_t>(q)];
    marks.resize(dataset.judgments[static_cast<std::size_t>(q)].size(), false);
    marks[position] = true;
    --left;
    ++dropped;
  }
  for (int32_t q : dataset.train_queries) {
    auto& judged = dataset.judgments[static_cast<std::size_t>(q)];
    const auto& marks = drop[static_cast<std::size_t>(q)];
    if (marks.empty()) continue;
    std::vector<Judgment> kept;
    for (std::size_t i = 0; i < judged.size(); ++i)
      if (!marks[i]) kept.push_back(judged[i]);
    judged = std::move(kept);
  }
  return dropped;
}

// A passage the query has not judged: an unused hard negative when there is one, else a random
// passage. Returns -1 when none is found (a corpus made only of the query's own positives).
int32_t pick_false_positive(const Dataset& dataset, int32_t query, Rng& rng, bool& from_hard_negative) {
  std::unordered_set<int32_t> judged;
  for (const auto& j : dataset.judgments[static_cast<std::size_t>(query)]) judged.insert(j.passage);
  std::vector<int32_t> unused;
  for (int32_t passage : dataset.hard_negatives[static_cast<std::size_t>(query)])
    if (!judged.count(passage)) unused.push_back(passage);
  from_hard_negative = !unused.empty();
  if (from_hard_negative) return rng.pick(unused);
  for (int attempt = 0; attempt < 1000 && dataset.num_passages() > 0; ++attempt) {
    auto passage = static_cast<int32_t>(rng.below(dataset.num_passages()));
    if (!judged.count(passage)) return passage;
  }
  return -1;
}

void inject_false_positives(Dataset& dataset, double rate, NoiseReport& report, Rng& rng) {
  std::vector<std::pair<int32_t, float>> true_positives;  // (query, grade): picked uniformly
  for (int32_t q : dataset.train_queries)
    for (const auto& j : dataset.judgments[static_cast<std::size_t>(q)])
      if (!j.is_false_positive) true_positives.emplace_back(q, j.grade);
  if (true_positives.empty()) return;
  const auto quota = static_cast<std::size_t>(
      std::llround(rate * static_cast<double>(true_positives.size()) / (1.0 - rate)));
  const int16_t llm = dataset.intern_label_source("llm");
  for (std::size_t k = 0; k < quota; ++k) {
    const auto [query, grade] = rng.pick(true_positives);
    bool from_hard_negative = false;
    const int32_t passage = pick_false_positive(dataset, query, rng, from_hard_negative);
    if (passage < 0) continue;
    auto& judged = dataset.judgments[static_cast<std::size_t>(query)];
    const auto [low, high] = insertion_range(judged, grade);
    const std::size_t at = low + static_cast<std::size_t>(rng.below(high - low + 1));
    judged.insert(judged.begin() + static_cast<std::ptrdiff_t>(at), Judgment{passage, grade, llm, true});
    // Now labelled positive, it must not also serve as the query's negative.
    auto& negatives = dataset.hard_negatives[static_cast<std::size_t>(query)];
    negatives.erase(std::remove(negatives.begin(), negatives.end(), passage), negatives.end());
    ++report.injected;
    if (from_hard_negative) ++report.injected_from_hard_negatives;
  }
}

}  // namespace

Regime parse_regime(const std::string& name) {
  for (Regime regime : {Regime::as_labelled, Regime::human_single, Regime::llm_dense, Regime::mixed})
    if (name == regime_name(regime)) return regime;
  throw std::invalid_argument("unknown label regime '" + name + "'; valid: as_labelled, human_single, llm_dense, mixed");
}

const char* regime_name(Regime regime) {
  switch (regime) {
    case Regime::as_labelled: return "as_labelled";
    case Regime::human_single: return "human_single";
    case Regime::llm_dense: return "llm_dense";
    case Regime::mixed: return "mixed";
  }
  return "?";
}

void apply_regime(Dataset& dataset, const RegimeConfig& config) {
  if (config.regime == Regime::as_labelled) return;
  const int16_t human = dataset.intern_label_source("human");
  const int16_t llm = dataset.intern_label_source("llm");
  std::size_t before = 0, after = 0, emptied = 0;
  for (int32_t q : dataset.train_queries) {
    auto kept = relabel(dataset, q, config, human, llm);
    auto& judged = dataset.judgments[static_cast<std::size_t>(q)];
    before += judged.size();
    after += kept.size();
    emptied += !judged.empty() && kept.empty();
    judged = std::move(kept);
  }
  dataset.notes.push_back(std::string("label regime ") + regime_name(config.regime) + " on the train split: " +
                          std::to_string(before) + " -> " + std::to_string(after) + " positives" +
                          (emptied ? "; " + std::to_string(emptied) + " queries left without positives" : ""));
}

NoiseReport apply_noise(Dataset& dataset, const NoiseConfig& config) {
  if (!(config.false_positive_rate >= 0 && config.false_positive_rate < 1) || !(config.drop_rate >= 0 && config.drop_rate <= 1) ||
      config.max_positives < 0)
    throw std::invalid_argument("noise: need false_positive_rate in [0, 1), drop_rate in [0, 1] and max_positives >= 0");
  NoiseReport report;
  for (int32_t q : dataset.train_queries)
    for (const auto& j : dataset.judgments[static_cast<std::size_t>(q)]) report.true_positives_before += !j.is_false_positive;
  Rng rng(config.seed);
  if (config.drop_rate > 0) report.dropped = drop_true_positives(dataset, config.drop_rate, report.true_positives_before, rng);
  if (config.false_positive_rate > 0) inject_false_positives(dataset, config.false_positive_rate, report, rng);
  if (config.max_positives > 0)
    for (int32_t q : dataset.train_queries) {
      auto& judged = dataset.judgments[static_cast<std::size_t>(q)];
      const auto cap = static_cast<std::size_t>(config.max_positives);
      if (judged.size() > cap) {
        report.capped += judged.size() - cap;
        judged.resize(cap);
      }
    }
  if (config.false_positive_rate > 0 || config.drop_rate > 0 || config.max_positives > 0)
    dataset.notes.push_back("noise on the train split (seed " + std::to_string(config.seed) + "): " +
                            std::to_string(report.dropped) + " of " + std::to_string(report.true_positives_before) +
                            " true positives dropped, " + std::to_string(report.injected) + " false positives injected (" +
                            std::to_string(report.injected_from_hard_negatives) + " from hard negatives), " +
                            std::to_string(report.capped) + " removed by the cap");
  return report;
}

}  // namespace multipos::data
