// The BM25 baseline of a dataset, stored as a run of its own (objective "bm25") beside the dense
// runs it is compared with, so every comparison in the studio and the reports has it.
#pragma once

#include <string>

#include "core/store/run_store.hpp"
#include "core/train/train_config.hpp"

namespace multipos::train {

// Builds the dataset the config names, ranks its eval split with BM25 (top 100) and stores the
// run, finished, with aggregate and per-query metrics at step 0 and the same metrics as flat
// "eval/<split>/..." series over [0, config.steps - 1]. Returns the new run's id.
int64_t record_bm25_baseline(const TrainConfig& config, store::RunStore& store, const std::string& group_id);

}  // namespace multipos::train
