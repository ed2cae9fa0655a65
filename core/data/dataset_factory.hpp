// Builds the dataset a config names: {"kind": "synthetic" | "beir" | "tevatron" | "wordnet" |
// "msmarco" | "trec", ...}, then applies the hard-negative, label regime and noise options every
// kind accepts (in that order, so negatives exclude every loaded positive):
//   "hard_negatives": {"kind": "bm25", "top_k": 30, "per_query": 0, "splits": ["train"], "cache": true}
//   "regime": {"name": "as_labelled|human_single|llm_dense|mixed", "threshold", "max_positives", "seed"}
//   "noise":  {"false_positive_rate", "drop_rate", "max_positives", "seed"}   (train split only)
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/data/dataset.hpp"

namespace multipos::data {

// `source` names the config file in errors; throws util::ConfigError naming the field at fault,
// and DataError (file:line: field) for a fault inside a data file.
//   beir:     {"path": DIR, "lenient": false, "require_splits": ["train", ...]}
//   tevatron: {"path": FILE, "dev_path": FILE, "lenient": false}
//   msmarco:  {"path": DIR, "lenient": false, "require_splits": ["train", ...]}
//   trec:     {"corpus": corpus.jsonl, "queries": queries.jsonl or .tsv, "qrels": FILE,
//              "split": "test" | "dev", "lenient": false}   (evaluation only: no train split)
//   wordnet:  {"path": DIR (default /usr/share/wordnet), "long_queries", "min_hyponyms",
//              "max_queries", "max_hard_negatives", "dev_fraction", "test_fraction", "seed"}
// Relative paths are relative to the working directory.
Dataset load_dataset(const nlohmann::json& spec, const std::string& source);

// The spec a command-line word names: "wordnet" or "synthetic" (built in), a BEIR directory
// (corpus.jsonl, queries.jsonl, qrels/) or a Tevatron training .jsonl file. Throws
// std::invalid_argument naming the word when it is none of these.
nlohmann::json dataset_spec_for(const std::string& what);

}  // namespace multipos::data
