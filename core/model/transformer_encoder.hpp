// The `transformer` encoder: a small BERT-style Transformer trained from scratch (layers, width,
// heads, feed-forward width and max lengths configurable), over WordPiece tokens when a vocab.txt
// is given, else over hashed word ids (no vocabulary to ship). Mean or CLS pooling.
#pragma once

#include <memory>
#include <string>

#include "core/model/bert_model.hpp"
#include "core/model/encoder.hpp"
#include "core/text/hashing_tokenizer.hpp"
#include "core/text/wordpiece_tokenizer.hpp"

namespace multipos::model {

struct TransformerEncoderConfig {
  int64_t layers = 2;
  int64_t width = 128;
  int64_t heads = 4;
  int64_t ffn = 512;
  int64_t query_max_length = 32;  // tokens, [CLS] included
  int64_t passage_max_length = 64;
  double dropout = 0.1;
  Pooling pooling = Pooling::mean;
  std::string vocab;                   // a vocab.txt for WordPiece; empty: hashed words
  int64_t buckets = int64_t{1} << 15;  // hashed-word vocabulary when `vocab` is empty
};

class TransformerEncoder : public Encoder {
 public:
  TransformerEncoder(const TransformerEncoderConfig& config, uint64_t seed);
  at::Tensor encode(const std::vector<std::string>& texts, TextRole role) override;
  int64_t dim() const override { return config_.width; }
  std::string kind() const override { return "transformer"; }
  std::string replay_obstacle() const override { return ""; }  // dropout draws from the default generators
  void move_to(const at::Device& device) override;
  // "embeddings" (token and position tables, their norm) and "layers".
  std::vector<ParameterGroup> parameter_groups() override;

 private:
  TokenTensors tokenize(const std::vector<std::string>& texts, int64_t max_length) const;

  TransformerEncoderConfig config_;
  std::unique_ptr<text::WordPieceTokenizer> wordpiece_;
  std::unique_ptr<text::HashingTokenizer> hashing_;
  int64_t cls_id_ = 0, pad_id_ = 0;  // for hashed words: two ids above the buckets
  std::shared_ptr<BertModel> model_;
};

}  // namespace multipos::model
