// Baselines of a dataset, each stored as a run of its own (objective "bm25" or "untrained") beside
// the dense runs it is compared with, so every comparison in the studio and the reports has them.
#pragma once

#include <functional>
#include <string>

#include "core/store/run_store.hpp"
#include "core/train/train_config.hpp"

namespace multipos::train {

// Builds the dataset the config names, ranks its eval split with BM25 (top 100) and stores the
// run, finished, with aggregate and per-query metrics at step 0 and the same metrics as flat
// "eval/<split>/..." series over [0, config.steps - 1]. Returns the new run's id.
int64_t record_bm25_baseline(const TrainConfig& config, store::RunStore& store, const std::string& group_id);

// The same for the config's encoder as initialised by its seed, before any training (objective
// "untrained"): the start every trained run must beat for its ranking to mean anything. Encoding a
// large corpus with a pretrained encoder takes minutes on a CPU: `say` hears its progress.
int64_t record_untrained_baseline(const TrainConfig& config, store::RunStore& store, const std::string& group_id,
                                  const std::function<void(const std::string&)>& say = {});

}  // namespace multipos::train
