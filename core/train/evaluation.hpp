// Retrieval evaluation of an encoder on one split of a dataset: encode the corpus and the
// split's queries without gradients, exact top-k search, trec_eval-exact metrics.
#pragma once

#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/eval/metrics.hpp"
#include "core/model/encoder.hpp"

namespace multipos::train {

// Measures recorded during training, by trec_eval name.
const std::vector<std::string>& training_measures();

// Qrels of a split: planted or injected false positives are left out (they are not relevant).
eval::Qrels split_qrels(const data::Dataset& dataset, const std::string& split);

eval::Evaluation evaluate_encoder(model::Encoder& encoder, const data::Dataset& dataset, const std::string& split,
                                  bool cosine = false, size_t top_k = 100);

}  // namespace multipos::train
