// Label regimes and positive-quality controls over any graded dataset: who labelled the training
// positives (one human positive, dense LLM positives, or both) and how noisy they are (injected
// false positives, dropped true positives, a cap per query). Only the TRAIN split is changed:
// dev and test judgments stay as loaded, so evaluation always scores against clean labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/data/dataset.hpp"

namespace multipos::data {

enum class Regime {
  as_labelled,   // keep the loaded judgments and their provenance
  human_single,  // one positive per query: the top grade, ties broken by the seed; "human"
  llm_dense,     // every positive with grade >= threshold, capped; all "llm"
  mixed,         // the human_single positive first, then the llm_dense ones ("llm") after it
};

Regime parse_regime(const std::string& name);  // throws std::invalid_argument listing the names
const char* regime_name(Regime regime);

struct RegimeConfig {
  Regime regime = Regime::as_labelled;
  float threshold = 1;    // llm_dense / mixed: an LLM positive needs grade >= threshold
  int max_positives = 0;  // llm_dense / mixed: at most this many positives, the human one included; 0 = no cap
  uint64_t seed = 1;      // tie-break among equally graded top positives
};

struct NoiseConfig {
  // Share of the train split's positives that are false once noise is in:
  // injected = round(rate * true / (1 - rate)). Must be < 1.
  double false_positive_rate = 0;
  // Share of the train split's true positives dropped: round(rate * true), except that a query
  // never loses its last true positive (so fewer may be dropped; the report says how many).
  double drop_rate = 0;
  int max_positives = 0;  // after noise, keep each train query's first N positives; 0 = no cap
  uint64_t seed = 1;
};

struct NoiseReport {
  std::size_t true_positives_before = 0;  // train split, before dropping
  std::size_t dropped = 0;
  std::size_t injected = 0;
  std::size_t injected_from_hard_negatives = 0;  // the rest are random passages
  std::size_t capped = 0;                        // positives removed by max_positives
};

// Both change only the train split's judgments and append a line to Dataset::notes.
void apply_regime(Dataset& dataset, const RegimeConfig& config);

// Drop, then inject, then cap. An injected false positive borrows the grade of a random true
// positive of its query (queries are picked in proportion to their true positives, so each
// query's expected false share is the rate), is labelled "llm", flagged is_false_positive, comes
// from the query's unjudged hard negatives when it has any (else a random unjudged passage), and
// lands at a random place among positives of that grade but never first: the first positive is
// the annotator's top one, the single positive infonce trains on.
NoiseReport apply_noise(Dataset& dataset, const NoiseConfig& config);

}  // namespace multipos::data
