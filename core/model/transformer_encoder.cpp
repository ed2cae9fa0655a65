#include "core/model/transformer_encoder.hpp"

#include <ATen/ATen.h>

#include <algorithm>

namespace multipos::model {

namespace {

text::HashingTokenizerConfig word_hashing(int64_t buckets) {
  text::HashingTokenizerConfig hashing;
  hashing.buckets = buckets;
  hashing.char_ngram_max = 0;  // words only, in order: the Transformer sees the sequence
  hashing.word_bigrams = false;
  return hashing;
}

}  // namespace

TransformerEncoder::TransformerEncoder(const TransformerEncoderConfig& config, uint64_t seed) : config_(config) {
  BertArchitecture architecture;
  if (!config.vocab.empty()) {
    wordpiece_ = std::make_unique<text::WordPieceTokenizer>(text::WordPieceTokenizer::from_file(config.vocab));
    architecture.vocab_size = wordpiece_->vocab_size();
    architecture.pad_token_id = wordpiece_->pad_id();
  } else {
    hashing_ = std::make_unique<text::HashingTokenizer>(word_hashing(config.buckets));
    cls_id_ = config.buckets;
    pad_id_ = config.buckets + 1;
    architecture.vocab_size = config.buckets + 2;
    architecture.pad_token_id = pad_id_;
  }
  architecture.hidden_size = config.width;
  architecture.num_hidden_layers = config.layers;
  architecture.num_attention_heads = config.heads;
  architecture.intermediate_size = config.ffn;
  architecture.max_position_embeddings = std::max(config.query_max_length, config.passage_max_length);
  architecture.type_vocab_size = 1;
  architecture.hidden_dropout_prob = architecture.attention_probs_dropout_prob = config.dropout;
  at::manual_seed(seed);
  model_ = register_module("transformer", std::make_shared<BertModel>(architecture));
  model_->initialize_weights();
}

// Hashed words: [CLS] w1 ... wn, cut to max_length, padded with a dedicated id (masked anyway).
TokenTensors TransformerEncoder::tokenize(const std::vector<std::string>& texts, int64_t max_length) const {
  if (wordpiece_) {
    text::TokenBatch batch = wordpiece_->encode(texts, max_length);
    return to_tensors(batch.input_ids, batch.attention_mask, batch.rows, batch.length, device_);
  }
  std::vector<std::vector<int64_t>> rows;
  size_t longest = 1;
  for (const auto& text : texts) {
    std::vector<int64_t> ids{cls_id_};
    hashing_->tokenize(text, ids);
    ids.resize(std::min(ids.size(), static_cast<size_t>(max_length)));
    longest = std::max(longest, ids.size());
    rows.push_back(std::move(ids));
  }
  std::vector<int64_t> input_ids(rows.size() * longest, pad_id_), mask(rows.size() * longest, 0);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::copy(rows[r].begin(), rows[r].end(), input_ids.begin() + static_cast<std::ptrdiff_t>(r * longest));
    std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(r * longest), rows[r].size(), 1);
  }
  return to_tensors(input_ids, mask, static_cast<int64_t>(rows.size()), static_cast<int64_t>(longest), device_);
}

at::Tensor TransformerEncoder::encode(const std::vector<std::string>& texts, TextRole role) {
  TokenTensors tokens =
      tokenize(texts, role == TextRole::query ? config_.query_max_length : config_.passage_max_length);
  return pool(model_->forward(tokens.input_ids, tokens.attention_mask), tokens.attention_mask, config_.pooling);
}

void TransformerEncoder::move_to(const at::Device& device) {
  to(device);
  device_ = device;
}

std::vector<ParameterGroup> TransformerEncoder::parameter_groups() {
  return {{"embeddings", model_->embedding_parameters()}, {"layers", model_->layer_parameters()}};
}

}  // namespace multipos::model
