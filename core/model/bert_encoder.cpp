#include "core/model/bert_encoder.hpp"

#include <ATen/ATen.h>

#include <algorithm>

#include "core/model/hf_model_folder.hpp"

namespace multipos::model {

namespace {

constexpr size_t kSlice = 64;  // texts per forward pass when a call brings more

std::shared_ptr<BertModel> load_tower(const HfModelFolder& folder, const BertArchitecture& architecture) {
  auto tower = std::make_shared<BertModel>(architecture);
  load_bert_weights(*tower, folder.weights_file);
  return tower;
}

}  // namespace

BertEncoder::BertEncoder(const BertEncoderConfig& config) : config_(config) {
  HfModelFolder folder = open_hf_model_folder(resolve_model_path(config.model));
  BertArchitecture architecture = folder.architecture;
  if (config.dropout >= 0)
    architecture.hidden_dropout_prob = architecture.attention_probs_dropout_prob = config.dropout;
  // The model cannot see further than its position table; longer limits are cut to it.
  config_.query_max_length = std::min(config.query_max_length, architecture.max_position_embeddings);
  config_.passage_max_length = std::min(config.passage_max_length, architecture.max_position_embeddings);
  tokenizer_ = std::make_unique<text::WordPieceTokenizer>(
      text::WordPieceTokenizer::from_file(folder.vocab_file, folder.tokenizer));
  if (tokenizer_->vocab_size() > architecture.vocab_size)
    throw ModelFolderError(folder.vocab_file + ": " + std::to_string(tokenizer_->vocab_size()) +
                           " tokens but config.json's vocab_size is " + std::to_string(architecture.vocab_size));
  if (config.separate_towers) {
    query_tower_ = register_module("query_bert", load_tower(folder, architecture));
    passage_tower_ = register_module("passage_bert", load_tower(folder, architecture));
  } else {
    query_tower_ = passage_tower_ = register_module("bert", load_tower(folder, architecture));
  }
}

at::Tensor BertEncoder::encode(const std::vector<std::string>& texts, TextRole role) {
  const bool query = role == TextRole::query;
  const std::string& prefix = query ? config_.query_prefix : config_.passage_prefix;
  const int64_t max_length = query ? config_.query_max_length : config_.passage_max_length;
  std::vector<std::string> prefixed;
  if (!prefix.empty())
    for (const auto& text : texts) prefixed.push_back(prefix + text);
  const std::vector<std::string>& inputs = prefix.empty() ? texts : prefixed;
  auto encode_slice = [&](const std::vector<std::string>& slice) {
    text::TokenBatch batch = tokenizer_->encode(slice, max_length);
    TokenTensors tokens = to_tensors(batch.input_ids, batch.attention_mask, batch.rows, batch.length, device_);
    at::Tensor hidden = tower(role).forward(tokens.input_ids, tokens.attention_mask);
    return pool(hidden, tokens.attention_mask, config_.pooling);
  };
  std::vector<size_t> lengths;
  if (inputs.size() > kSlice)
    for (const auto& text : inputs) lengths.push_back(tokenizer_->token_ids(text).size());
  at::Tensor pooled = encode_by_length(inputs, lengths, kSlice, encode_slice);
  // Same as torch.nn.functional.normalize: divide by max(norm, 1e-12).
  return config_.normalize ? pooled / pooled.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12) : pooled;
}

std::vector<size_t> BertEncoder::token_lengths(const std::vector<std::string>& texts, TextRole role) const {
  const bool query = role == TextRole::query;
  const std::string& prefix = query ? config_.query_prefix : config_.passage_prefix;
  const auto max_length = static_cast<size_t>(query ? config_.query_max_length : config_.passage_max_length);
  std::vector<size_t> lengths;
  lengths.reserve(texts.size());
  for (const auto& text : texts)  // + [CLS] and [SEP]
    lengths.push_back(std::min(max_length, tokenizer_->token_ids(prefix.empty() ? text : prefix + text).size() + 2));
  return lengths;
}

void BertEncoder::move_to(const at::Device& device) {
  to(device);
  device_ = device;
}

std::vector<ParameterGroup> BertEncoder::parameter_groups() {
  ParameterGroup embeddings{"embeddings", query_tower_->embedding_parameters()};
  ParameterGroup layers{"layers", query_tower_->layer_parameters()};
  if (passage_tower_ != query_tower_) {
    for (auto& p : passage_tower_->embedding_parameters()) embeddings.parameters.push_back(p);
    for (auto& p : passage_tower_->layer_parameters()) layers.parameters.push_back(p);
  }
  return {embeddings, layers};
}

}  // namespace multipos::model
