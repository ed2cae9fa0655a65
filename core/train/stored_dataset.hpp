// What the worker stores of a run's dataset for the studio (which never loads datasets): the
// statistics of the dataset as the run trained on it, the probe queries' texts and judgments
// (label regime and noise applied) and the texts of the passages the studio lists. Written when a
// run starts, at dev evaluations (retrieved passages) and by `multipos data store-texts` for runs
// recorded before the store kept them. Torch-free.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"
#include "core/store/run_store.hpp"

namespace multipos::train {

// The statistics, and for each of `queries` (dataset query indices) its text, its judgments and
// its judged passages' texts, plus the texts of `passages` (dataset passage indices, e.g. a probe's
// fixed negatives).
store::RunDatasetRecord dataset_record(const data::Dataset& dataset, const std::vector<int32_t>& queries,
                                       const std::vector<int64_t>& passages);

// The same for queries and passages named by id (as stored in probe and retrieved rows); ids the
// dataset does not know are counted in `unknown` (when given) and skipped.
store::RunDatasetRecord dataset_record_for_ids(const data::Dataset& dataset, const std::set<std::string>& query_ids,
                                               const std::set<std::string>& passage_ids,
                                               std::size_t* unknown = nullptr);

// The texts of the passages these retrieved rows list (each once).
std::vector<store::StoredText> retrieved_passage_texts(const data::Dataset& dataset,
                                                       const std::vector<store::RetrievedRow>& rows);

// Everything a run has stored that names queries or passages: its probe queries and passages (at
// its first probe step: the probe set is fixed) and every retrieved passage.
struct StoredIds {
  std::set<std::string> queries, passages;
};
StoredIds stored_ids(const store::RunStore& store, int64_t run_id);

}  // namespace multipos::train
