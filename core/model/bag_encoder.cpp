#include "core/model/bag_encoder.hpp"

#include <torch/nn/init.h>

#include <algorithm>

namespace multipos::model {

BagEncoder::BagEncoder(const BagEncoderConfig& config, uint64_t seed)
    : config_(config), tokenizer_(config.tokenizer) {
  at::manual_seed(seed);
  embeddings_ = register_module(
      "embeddings", torch::nn::EmbeddingBag(torch::nn::EmbeddingBagOptions(config.tokenizer.buckets, config.embedding_dim)
                                                .mode(torch::kMean)));
  // No bias: a bias adds b.(W p) to every score, a per-passage prior that lets the model memorize
  // popular passages instead of matching content, and at initialization swamps the content term.
  if (config.projection)
    projection_ = register_module(
        "projection", torch::nn::Linear(torch::nn::LinearOptions(config.embedding_dim, config.output_dim).bias(false)));
  // Unit-variance features: shared tokens then make the untrained model a weak lexical matcher
  // (tied towers give identical rows to a word in the query and in the passage).
  torch::NoGradGuard no_grad;
  embeddings_->weight.normal_(0.0, 1.0);
  // Identity-like start (a truncated identity when the widths differ): a random projection would
  // mix the features and Adam's first steps reshape it wholesale, erasing the lexical prior.
  if (!config.projection) return;
  projection_->weight.zero_();
  for (int64_t i = 0; i < std::min(config.embedding_dim, config.output_dim); ++i) projection_->weight[i][i] = 1.0;
}

at::Tensor BagEncoder::encode(const std::vector<std::string>& texts, TextRole /*role*/) {
  text::TokenizedTexts tokens = tokenizer_.tokenize_all(texts);
  auto options = at::TensorOptions().dtype(at::kLong);
  at::Tensor ids = at::from_blob(tokens.ids.data(), {static_cast<int64_t>(tokens.ids.size())}, options).clone();
  at::Tensor offsets =
      at::from_blob(tokens.offsets.data(), {static_cast<int64_t>(tokens.size())}, options).clone();
  ids = ids.to(device_);
  offsets = offsets.to(device_);
  at::Tensor pooled = embeddings_->forward(ids, offsets);
  return config_.projection ? projection_->forward(pooled) : pooled;
}

void BagEncoder::move_to(const at::Device& device) {
  to(device);
  device_ = device;
}

}  // namespace multipos::model
