// One rank's share of a global training batch: query rows [first_row, first_row + rows) with
// their groups' passage columns, renumbered from 0. Torch-free. Every rank builds the same global
// batch (same seed, same sampler) and keeps its shard, so runs with 1 or N processes see the same
// data.
#pragma once

#include <cstdint>

#include "core/objectives/batch_builder.hpp"

namespace multipos::dist {

// Throws std::invalid_argument when the range leaves the batch or a row's positive or own negative
// lies outside its own group (the layout invariant sharding relies on).
objectives::Batch shard_of_batch(const objectives::Batch& global, int64_t first_row, int64_t rows, int64_t group_size);

}  // namespace multipos::dist
