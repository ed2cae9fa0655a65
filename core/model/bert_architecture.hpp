// The shape of a BERT-family model as config.json states it: torch-free, so reading a model
// folder's config (core/model/hf_model_config.hpp) needs no LibTorch.
#pragma once

#include <cstdint>

namespace multipos::model {

enum class Activation { gelu, gelu_tanh, relu };

// The fields of a Hugging Face BertConfig we need (names mirror config.json).
struct BertArchitecture {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  int64_t pad_token_id = 0;
  double layer_norm_eps = 1e-12;
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  double initializer_range = 0.02;
  Activation hidden_act = Activation::gelu;
};

}  // namespace multipos::model
