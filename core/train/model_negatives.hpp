// Hard negatives from a trained encoder: each query's top-k passages under a checkpoint, minus
// everything judged for it, appended after the query's own negatives. The dataset config asks
// for them with "hard_negatives": {"kind": "checkpoint", "dir": ".../run-3/final", "top_k": 30}.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/data/dataset.hpp"

namespace multipos::train {

// Loads the dataset a config names, then applies checkpoint-mined hard negatives when its
// "hard_negatives" asks for them (BM25 ones are applied by the data layer itself).
data::Dataset load_training_dataset(const nlohmann::json& dataset_spec, const std::string& source);

struct ModelNegativesReport {
  size_t queries = 0, added = 0;
};

// Mines `top_k` negatives per query of `splits` (empty = all) with the encoder of the checkpoint
// in `checkpoint_dir` (its checkpoint.json says which encoder and similarity). `per_query` caps a
// query's whole list (0 = no cap); existing negatives stay first and are not repeated. The
// encoder runs on `device` (auto: a GPU when LibTorch sees one); the search on the CPU.
ModelNegativesReport mine_checkpoint_negatives(data::Dataset& dataset, const std::string& checkpoint_dir, int top_k,
                                               int per_query, const std::vector<std::string>& splits,
                                               const std::string& device = "auto");

}  // namespace multipos::train
