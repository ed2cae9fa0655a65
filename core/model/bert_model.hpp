// The BERT encoder stack as our own torch::nn module (embeddings, post-norm Transformer layers),
// with parameter names equal to Hugging Face's BertModel ("embeddings.word_embeddings.weight",
// "encoder.layer.0.attention.self.query.weight", ...) so pretrained weights load by name.
// Used by the `bert` encoder (pretrained) and the `transformer` encoder (from scratch).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <functional>
#include <string>
#include <vector>

#include "core/model/bert_architecture.hpp"

namespace multipos::model {

class BertModel : public torch::nn::Module {
 public:
  explicit BertModel(const BertArchitecture& architecture);

  // input_ids, attention_mask: [batch, length] int64 (mask 1 = token, 0 = padding), length at most
  // max_position_embeddings. Returns the last layer's hidden states [batch, length, hidden_size].
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& attention_mask);

  // BERT's initialisation (normal(0, initializer_range) weights, zero biases, unit norms, a zero
  // padding row), drawn from the global generator: seed it first for reproducible models.
  void initialize_weights();

  const BertArchitecture& architecture() const { return architecture_; }
  // The embedding tables and their norm, and everything above them (the trainer may give the
  // pretrained embeddings a smaller learning rate).
  std::vector<at::Tensor> embedding_parameters() const;
  std::vector<at::Tensor> layer_parameters() const;

 private:
  struct Layer {
    torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, attention_output{nullptr};
    torch::nn::LayerNorm attention_norm{nullptr};
    torch::nn::Linear intermediate{nullptr}, output{nullptr};
    torch::nn::LayerNorm output_norm{nullptr};
  };
  Layer make_layer(torch::nn::Module& parent, const std::string& index);
  at::Tensor embed(const at::Tensor& input_ids);
  at::Tensor attend(Layer& layer, const at::Tensor& hidden, const at::Tensor& additive_mask);
  at::Tensor activate(const at::Tensor& x) const;

  BertArchitecture architecture_;
  std::shared_ptr<torch::nn::Module> embeddings_, encoder_;
  torch::nn::Embedding word_embeddings_{nullptr}, position_embeddings_{nullptr}, token_type_embeddings_{nullptr};
  torch::nn::LayerNorm embedding_norm_{nullptr};
  torch::nn::Dropout hidden_dropout_{nullptr}, attention_dropout_{nullptr};
  std::vector<Layer> layers_;
};

enum class Pooling { mean, cls };

// [batch, length, dim] -> [batch, dim]. Mean as sentence-transformers pools (padding excluded, the
// count clamped away from zero); cls takes the first token's state (no pooler layer, as BGE and
// sentence-transformers do).
at::Tensor pool(const at::Tensor& hidden, const at::Tensor& attention_mask, Pooling pooling);

// Encodes many texts in slices of `slice` texts of similar length (sorted by `lengths`), so a few
// long texts do not pad all the others to their length, and returns the rows in the callers' order.
// Gradients flow through. With evaluation chunks of short, uneven texts this is several times faster.
at::Tensor encode_by_length(const std::vector<std::string>& texts, const std::vector<size_t>& lengths, size_t slice,
                            const std::function<at::Tensor(const std::vector<std::string>&)>& encode_slice);

// input_ids and attention_mask of a tokenised batch as [rows, length] int64 tensors on `device`.
struct TokenTensors {
  at::Tensor input_ids, attention_mask;
};
TokenTensors to_tensors(const std::vector<int64_t>& input_ids, const std::vector<int64_t>& attention_mask, int64_t rows,
                        int64_t length, const at::Device& device);

}  // namespace multipos::model
