// Summary figures of a dataset, per split: how many queries and positives, how positives spread
// over queries, grades, who labelled them, known false positives and text lengths. Behind
// `multipos data stats`, and a quick sanity check after a loader, regime or noise change.
#pragma once

#include <string>

#include "core/data/dataset.hpp"
#include "core/store/dataset_record.hpp"

namespace multipos::data {

// The figures are a stored record (the run store keeps them with each run for the studio), so the
// type and its JSON form live in core/store/dataset_record.hpp; core/data computes them.
using store::DatasetStats;
using store::SplitStats;
using store::stats_to_json;

DatasetStats compute_stats(const Dataset& dataset);
std::string format_stats(const DatasetStats& stats);  // a readable multi-line report
// Loads the dataset `spec` names (load_dataset, `source` naming where the spec came from) and
// describes it in one line: "7589 passages, 1800 queries (train / dev / test 1440 / 180 / 180),
// loaded in 0.41 s". Throws the loader's error. The launch form's check (app/studio_command.cpp).
std::string load_and_describe(const nlohmann::json& spec, const std::string& source);

}  // namespace multipos::data
