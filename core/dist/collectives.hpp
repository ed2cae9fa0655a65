// The two data-parallel operations the trainer needs on top of DistributedContext: averaging
// gradients across ranks in flat buckets, and gathering every rank's vectors with the gradient
// flowing back only into this rank's own rows.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/dist/distributed_context.hpp"

namespace multipos::dist {

constexpr int64_t kDefaultBucketBytes = int64_t{25} << 20;  // ~25 MB, as DDP buckets by default

// Replaces each parameter's gradient by its mean over the ranks. Parameters are packed in order
// into flat buckets of about `bucket_bytes` (one collective per bucket, not per tensor); a
// parameter without a gradient on this rank contributes zeros, so every rank packs the same
// buckets. Returns the number of buckets (for tests and logs).
int64_t average_gradients(DistributedContext& context, const std::vector<at::Tensor>& parameters,
                          int64_t bucket_bytes = kDefaultBucketBytes);

// Every rank's `local` rows concatenated in rank order (all ranks must pass the same shape).
// The other ranks' rows are constants; this rank's slot is `local` itself, so backward reaches
// this rank's encoder through its own rows only. A loss computed identically on every rank from
// the gathered tensors therefore needs its gradient summed over ranks (= averaged, times
// world_size) to equal the single-process gradient.
at::Tensor gather_rows(DistributedContext& context, const at::Tensor& local);

}  // namespace multipos::dist
