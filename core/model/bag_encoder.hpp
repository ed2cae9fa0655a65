// The `bag` encoder: hashed word / word-bigram / character n-gram features averaged by an
// EmbeddingBag, then a linear projection. Trains in minutes on a CPU.
#pragma once

#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include "core/model/encoder.hpp"
#include "core/text/hashing_tokenizer.hpp"

namespace multipos::model {

struct BagEncoderConfig {
  text::HashingTokenizerConfig tokenizer;
  int64_t embedding_dim = 128;
  int64_t output_dim = 128;
  // Off by default: Adam moves every entry of a dense projection by ~lr per step, which at the
  // widths used here reshapes the whole score kernel within a few dozen steps and erases the
  // lexical prior the tied embeddings start with. Embeddings alone learn steadily.
  bool projection = false;
};

class BagEncoder : public Encoder {
 public:
  BagEncoder(const BagEncoderConfig& config, uint64_t seed);
  at::Tensor encode(const std::vector<std::string>& texts, TextRole role) override;
  int64_t dim() const override { return config_.projection ? config_.output_dim : config_.embedding_dim; }
  std::string kind() const override { return "bag"; }
  void move_to(const at::Device& device) override;

 private:
  BagEncoderConfig config_;
  text::HashingTokenizer tokenizer_;
  torch::nn::EmbeddingBag embeddings_{nullptr};
  torch::nn::Linear projection_{nullptr};
};

}  // namespace multipos::model
