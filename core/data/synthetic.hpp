// The built-in synthetic multi-positive dataset: planted topics and sub-topics over a made-up
// vocabulary, several graded positives per query, plausible hard negatives and planted false
// positives. Deterministic by seed; learnable by a from-scratch encoder in about a minute.
#pragma once

#include <cstdint>

#include "core/data/dataset.hpp"

namespace multipos::data {

struct SyntheticConfig {
  int topics = 20;
  int subtopics_per_topic = 4;
  int queries_per_subtopic = 6;
  int min_positives = 2;
  int max_positives = 6;              // positives written for the query's own aspect
  int max_judged_per_query = 10;      // cap once on-topic passages are added as dense labels
  float on_topic_grade = 1.0f;        // grade of a sub-topic passage that misses the aspect
  float strong_grade = 2.0f;          // grade of a positive that mentions both aspect words
  float weak_grade = 1.0f;            // grade of a positive that mentions one of them
  int distractors_per_subtopic = 3;   // passages on a sub-topic that no query asks for
  int background_words = 400;
  int subtopic_words_per_passage = 6;
  int background_words_per_passage = 8;  // on average; drawn from noise/2 .. 3*noise/2
  double lexical_overlap = 0.25;      // chance a query word is the passages' own word, not a synonym
  double false_positive_rate = 0.15;  // chance a query gets one wrong LLM-labelled positive
  double dev_fraction = 0.1;
  double test_fraction = 0.1;
  uint64_t seed = 13;
};

Dataset make_synthetic(const SyntheticConfig& config);

// The graded mode (dataset {kind: synthetic, graded: true}): grades 3 (both aspect words),
// 2 (one) and 1 (on the sub-topic only), 4-10 written positives and up to 30 judged per query,
// so max_positives truncates and positive_sampling and the by-grade views have work to do.
SyntheticConfig graded_synthetic_config();

}  // namespace multipos::data
