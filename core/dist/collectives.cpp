#include "core/dist/collectives.hpp"

#include <ATen/ATen.h>

namespace multipos::dist {

namespace {

// Sums one bucket over the ranks in a single collective and writes the means back.
void reduce_bucket(DistributedContext& context, const std::vector<at::Tensor>& gradients) {
  std::vector<at::Tensor> flat_parts;
  flat_parts.reserve(gradients.size());
  for (const auto& gradient : gradients) flat_parts.push_back(gradient.reshape({-1}));
  at::Tensor flat = at::cat(flat_parts);
  context.all_reduce_sum_(flat);
  flat.div_(static_cast<double>(context.world_size()));
  int64_t offset = 0;
  for (const auto& gradient : gradients) {
    const int64_t count = gradient.numel();
    gradient.copy_(flat.narrow(0, offset, count).view(gradient.sizes()));
    offset += count;
  }
}

}  // namespace

int64_t average_gradients(DistributedContext& context, const std::vector<at::Tensor>& parameters,
                          int64_t bucket_bytes) {
  if (context.world_size() == 1) return 0;
  std::vector<at::Tensor> bucket;
  int64_t bucket_size = 0, buckets = 0;
  auto flush = [&] {
    if (bucket.empty()) return;
    reduce_bucket(context, bucket);
    bucket.clear();
    bucket_size = 0;
    ++buckets;
  };
  for (const auto& parameter : parameters) {
    if (!parameter.requires_grad()) continue;
    at::Tensor& gradient = const_cast<at::Tensor&>(parameter).mutable_grad();
    if (!gradient.defined()) gradient = at::zeros_like(parameter);
    if (gradient.is_sparse()) gradient = gradient.to_dense();
    // A bucket holds one dtype and device: at::cat cannot mix them.
    if (!bucket.empty() &&
        (bucket.front().scalar_type() != gradient.scalar_type() || bucket.front().device() != gradient.device()))
      flush();
    bucket.push_back(gradient);
    bucket_size += gradient.numel() * static_cast<int64_t>(gradient.element_size());
    if (bucket_size >= bucket_bytes) flush();
  }
  flush();
  return buckets;
}

at::Tensor gather_rows(DistributedContext& context, const at::Tensor& local) {
  if (context.world_size() == 1) return local;
  std::vector<at::Tensor> slots = context.all_gather(local.detach());
  slots[static_cast<size_t>(context.rank())] = local;
  return at::cat(slots, 0);
}

}  // namespace multipos::dist
