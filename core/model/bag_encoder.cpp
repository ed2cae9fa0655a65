#include "core/model/bag_encoder.hpp"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include <algorithm>

#include "core/model/word_vectors.hpp"

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
  if (!config.word_vectors.empty()) seed_from_word_vectors(config.word_vectors);
  // Identity-like start (a truncated identity when the widths differ): a random projection would
  // mix the features and Adam's first steps reshape it wholesale, erasing the lexical prior.
  if (!config.projection) return;
  projection_->weight.zero_();
  for (int64_t i = 0; i < std::min(config.embedding_dim, config.output_dim); ++i) projection_->weight[i][i] = 1.0;
}

// Words average into their bucket; the vectors are then scaled by one factor so their coordinates
// have the unit spread of the random rows around them (cosines between words are unchanged).
void BagEncoder::seed_from_word_vectors(const std::string& path) {
  WordVectors vectors = read_word_vectors(path, config_.embedding_dim);
  const int64_t dim = vectors.dim;
  at::Tensor table = at::from_blob(vectors.values.data(), {static_cast<int64_t>(vectors.words.size()), dim}, at::kFloat);
  std::vector<int64_t> rows, buckets;
  for (size_t i = 0; i < vectors.words.size(); ++i) {
    const auto words = text::split_words(vectors.words[i]);  // the bag's own word splitting and case
    if (words.size() != 1) continue;                          // "don't", "new_york": never a bag word
    rows.push_back(static_cast<int64_t>(i));
    buckets.push_back(tokenizer_.word_bucket(words[0]));
  }
  seeded_words_ = static_cast<int64_t>(rows.size());
  if (rows.empty()) return;
  at::Tensor index = at::tensor(buckets, at::kLong);
  at::Tensor chosen = table.index_select(0, at::tensor(rows, at::kLong));
  at::Tensor sums = at::zeros({config_.tokenizer.buckets, dim}).index_add_(0, index, chosen);
  at::Tensor counts = at::zeros({config_.tokenizer.buckets}).index_add_(0, index, at::ones({seeded_words_}));
  at::Tensor seeded = counts.nonzero().squeeze(1);
  at::Tensor means = sums.index_select(0, seeded) / counts.index_select(0, seeded).unsqueeze(1);
  const double spread = means.std().item<double>();
  embeddings_->weight.index_copy_(0, seeded, spread > 0 ? means / spread : means);
}

std::vector<ParameterGroup> BagEncoder::parameter_groups() {
  std::vector<ParameterGroup> groups{{"embeddings", embeddings_->parameters()}};
  if (config_.projection) groups.push_back({"projection", projection_->parameters()});
  return groups;
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
