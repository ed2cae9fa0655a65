#include "core/model/bert_model.hpp"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace multipos::model {

namespace {

// A plain module used only to give its children the Hugging Face name prefix ("attention.self").
std::shared_ptr<torch::nn::Module> scope(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

torch::nn::Linear linear(torch::nn::Module& parent, const std::string& name, int64_t in, int64_t out) {
  return parent.register_module(name, torch::nn::Linear(torch::nn::LinearOptions(in, out)));
}

torch::nn::LayerNorm layer_norm(torch::nn::Module& parent, int64_t width, double eps) {
  return parent.register_module("LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(eps)));
}

}  // namespace

BertModel::BertModel(const BertArchitecture& architecture) : architecture_(architecture) {
  const auto& a = architecture_;
  if (a.hidden_size % a.num_attention_heads != 0)
    throw std::invalid_argument("hidden_size " + std::to_string(a.hidden_size) +
                                " is not a multiple of num_attention_heads " + std::to_string(a.num_attention_heads));
  embeddings_ = scope(*this, "embeddings");
  word_embeddings_ = embeddings_->register_module(
      "word_embeddings", torch::nn::Embedding(torch::nn::EmbeddingOptions(a.vocab_size, a.hidden_size)));
  position_embeddings_ = embeddings_->register_module(
      "position_embeddings",
      torch::nn::Embedding(torch::nn::EmbeddingOptions(a.max_position_embeddings, a.hidden_size)));
  token_type_embeddings_ = embeddings_->register_module(
      "token_type_embeddings", torch::nn::Embedding(torch::nn::EmbeddingOptions(a.type_vocab_size, a.hidden_size)));
  embedding_norm_ = layer_norm(*embeddings_, a.hidden_size, a.layer_norm_eps);
  hidden_dropout_ = register_module("hidden_dropout", torch::nn::Dropout(a.hidden_dropout_prob));
  attention_dropout_ = register_module("attention_dropout", torch::nn::Dropout(a.attention_probs_dropout_prob));
  encoder_ = scope(*this, "encoder");
  auto layer_list = scope(*encoder_, "layer");
  for (int64_t i = 0; i < a.num_hidden_layers; ++i) layers_.push_back(make_layer(*layer_list, std::to_string(i)));
}

BertModel::Layer BertModel::make_layer(torch::nn::Module& parent, const std::string& index) {
  const int64_t width = architecture_.hidden_size, inner = architecture_.intermediate_size;
  const double eps = architecture_.layer_norm_eps;
  auto layer = scope(parent, index);
  auto attention = scope(*layer, "attention");
  auto self = scope(*attention, "self");
  auto attention_output = scope(*attention, "output");
  auto intermediate = scope(*layer, "intermediate");
  auto output = scope(*layer, "output");
  Layer result;
  result.query = linear(*self, "query", width, width);
  result.key = linear(*self, "key", width, width);
  result.value = linear(*self, "value", width, width);
  result.attention_output = linear(*attention_output, "dense", width, width);
  result.attention_norm = layer_norm(*attention_output, width, eps);
  result.intermediate = linear(*intermediate, "dense", width, inner);
  result.output = linear(*output, "dense", inner, width);
  result.output_norm = layer_norm(*output, width, eps);
  return result;
}

void BertModel::initialize_weights() {
  torch::NoGradGuard no_grad;
  const double std = architecture_.initializer_range;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* fc = module->as<torch::nn::Linear>()) {
      fc->weight.normal_(0.0, std);
      fc->bias.zero_();
    } else if (auto* table = module->as<torch::nn::Embedding>()) {
      table->weight.normal_(0.0, std);
    } else if (auto* norm = module->as<torch::nn::LayerNorm>()) {
      norm->weight.fill_(1.0);
      norm->bias.zero_();
    }
  }
  if (architecture_.pad_token_id >= 0 && architecture_.pad_token_id < architecture_.vocab_size)
    word_embeddings_->weight[architecture_.pad_token_id].zero_();
}

at::Tensor BertModel::embed(const at::Tensor& input_ids) {
  const int64_t length = input_ids.size(1);
  if (length > architecture_.max_position_embeddings)
    throw std::invalid_argument("sequence of " + std::to_string(length) + " tokens exceeds max_position_embeddings " +
                                std::to_string(architecture_.max_position_embeddings));
  at::Tensor positions = at::arange(length, input_ids.options()).unsqueeze(0);
  // Single-segment inputs: every token has type 0, as the reference does without token_type_ids.
  at::Tensor types = at::zeros_like(input_ids);
  at::Tensor sum = word_embeddings_->forward(input_ids) + position_embeddings_->forward(positions) +
                   token_type_embeddings_->forward(types);
  return hidden_dropout_->forward(embedding_norm_->forward(sum));
}

at::Tensor BertModel::activate(const at::Tensor& x) const {
  switch (architecture_.hidden_act) {
    case Activation::gelu:
      return at::gelu(x);
    case Activation::gelu_tanh:
      return at::gelu(x, "tanh");
    case Activation::relu:
      return at::relu(x);
  }
  return x;
}

// Multi-head self-attention, then the residual and norm (BERT is post-norm).
at::Tensor BertModel::attend(Layer& layer, const at::Tensor& hidden, const at::Tensor& additive_mask) {
  const int64_t batch = hidden.size(0), length = hidden.size(1), heads = architecture_.num_attention_heads;
  const int64_t head_dim = architecture_.hidden_size / heads;
  auto split = [&](const at::Tensor& x) { return x.view({batch, length, heads, head_dim}).transpose(1, 2); };
  at::Tensor query = split(layer.query->forward(hidden));
  at::Tensor key = split(layer.key->forward(hidden));
  at::Tensor value = split(layer.value->forward(hidden));
  at::Tensor scores = at::matmul(query, key.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
  at::Tensor weights = attention_dropout_->forward(at::softmax(scores + additive_mask, -1));
  at::Tensor context = at::matmul(weights, value).transpose(1, 2).reshape({batch, length, architecture_.hidden_size});
  at::Tensor projected = hidden_dropout_->forward(layer.attention_output->forward(context));
  return layer.attention_norm->forward(projected + hidden);
}

at::Tensor BertModel::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) {
  // Padding keys get the most negative float added to their scores, so softmax gives them zero
  // weight; every row keeps [CLS], so no row is all padding.
  at::Tensor additive_mask =
      (1.0 - attention_mask.to(at::kFloat)).mul(std::numeric_limits<float>::lowest()).unsqueeze(1).unsqueeze(1);
  at::Tensor hidden = embed(input_ids);
  for (auto& layer : layers_) {
    at::Tensor attended = attend(layer, hidden, additive_mask);
    at::Tensor inner = activate(layer.intermediate->forward(attended));
    hidden = layer.output_norm->forward(hidden_dropout_->forward(layer.output->forward(inner)) + attended);
  }
  return hidden;
}

std::vector<at::Tensor> BertModel::embedding_parameters() const { return embeddings_->parameters(); }

std::vector<at::Tensor> BertModel::layer_parameters() const { return encoder_->parameters(); }

at::Tensor pool(const at::Tensor& hidden, const at::Tensor& attention_mask, Pooling pooling) {
  if (pooling == Pooling::cls) return hidden.select(1, 0);
  at::Tensor mask = attention_mask.to(hidden.scalar_type()).unsqueeze(-1);
  return (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9);
}

at::Tensor encode_by_length(const std::vector<std::string>& texts, const std::vector<size_t>& lengths, size_t slice,
                            const std::function<at::Tensor(const std::vector<std::string>&)>& encode_slice) {
  if (texts.size() <= slice) return encode_slice(texts);
  std::vector<int64_t> order(texts.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
  std::vector<at::Tensor> parts;
  for (size_t start = 0; start < order.size(); start += slice) {
    std::vector<std::string> part;
    for (size_t i = start; i < std::min(order.size(), start + slice); ++i) part.push_back(texts[order[i]]);
    parts.push_back(encode_slice(part));
  }
  // Row k of the sorted result belongs to text order[k]; the inverse permutation puts it back.
  at::Tensor sorted = at::cat(parts);
  at::Tensor inverse = at::empty({static_cast<int64_t>(order.size())}, at::kLong);
  inverse.index_put_({at::tensor(order, at::kLong)}, at::arange(static_cast<int64_t>(order.size()), at::kLong));
  return sorted.index_select(0, inverse.to(sorted.device()));
}

TokenTensors to_tensors(const std::vector<int64_t>& input_ids, const std::vector<int64_t>& attention_mask, int64_t rows,
                        int64_t length, const at::Device& device) {
  auto options = at::TensorOptions().dtype(at::kLong);
  // from_blob borrows the vectors' memory; clone before they go away.
  auto ids = at::from_blob(const_cast<int64_t*>(input_ids.data()), {rows, length}, options).clone();
  auto mask = at::from_blob(const_cast<int64_t*>(attention_mask.data()), {rows, length}, options).clone();
  return {ids.to(device), mask.to(device)};
}

}  // namespace multipos::model
