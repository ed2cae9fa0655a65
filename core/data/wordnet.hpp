// A real-text multi-positive dataset built from WordNet's noun taxonomy (Debian's wordnet-base,
// /usr/share/wordnet/data.noun): every noun synset is a document, and a synset with enough direct
// hyponyms asks "kinds of X", answered by its hyponyms (grade 2) and their hyponyms (grade 1).
#pragma once

#include <cstdint>
#include <string>

#include "core/data/dataset.hpp"

namespace multipos::data {

struct WordNetConfig {
  std::string directory = "/usr/share/wordnet";  // holds data.noun
  bool long_queries = false;  // "kinds of X: <X's definition>" instead of "kinds of X"
  int min_hyponyms = 3;       // direct hyponyms a synset needs to become a query
  int max_queries = 0;        // keep a seeded sample of this many queries; 0 = all
  int max_hard_negatives = 30;
  double dev_fraction = 0.1;  // queries go to dev / test / train by a seeded hash of the offset
  double test_fraction = 0.1;
  // "hash" (the default), or "lexicographer_file": zero-shot, whole lexicographer files
  // (noun.animal, noun.food, ...) per split, so dev and test ask about unseen domains.
  std::string split_by = "hash";
  uint64_t seed = 13;
};

// Documents: "lemma, lemma: definition" ('_' read as ' '), ids like "02084071-n", titles the
// lemmas. Queries use the same id as their synset, which is never among its own positives. Hard
// negatives: co-hyponyms (the query's siblings) and their hyponyms, minus the positives.
// Throws DataError naming data.noun's line and field on a malformed line.
Dataset make_wordnet(const WordNetConfig& config);

}  // namespace multipos::data
