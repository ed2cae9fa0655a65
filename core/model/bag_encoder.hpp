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
  // Optional GloVe / word2vec text file: each word's bucket starts from its vector (averaged when
  // words collide), the file's width must equal embedding_dim. A relative path missing here is
  // looked up in the model cache (scripts/fetch_models writes all-minilm-l6-v2/word_vectors.txt).
  std::string word_vectors;
};

class BagEncoder : public Encoder {
 public:
  BagEncoder(const BagEncoderConfig& config, uint64_t seed);
  at::Tensor encode(const std::vector<std::string>& texts, TextRole role) override;
  int64_t dim() const override { return config_.projection ? config_.output_dim : config_.embedding_dim; }
  std::string kind() const override { return "bag"; }
  std::string replay_obstacle() const override { return ""; }  // no randomness in the forward pass
  void move_to(const at::Device& device) override;
  // "embeddings" (the hashed feature table) and, with a projection, "projection".
  std::vector<ParameterGroup> parameter_groups() override;
  // How many words of the vectors file found a bucket (0 without one).
  int64_t seeded_words() const { return seeded_words_; }

 private:
  BagEncoderConfig config_;
  text::HashingTokenizer tokenizer_;
  torch::nn::EmbeddingBag embeddings_{nullptr};
  torch::nn::Linear projection_{nullptr};
  int64_t seeded_words_ = 0;

  void seed_from_word_vectors(const std::string& path);
};

}  // namespace multipos::model
