// The `bert` encoder: a BERT-family model (BERT, MiniLM, BGE, E5, Contriever) loaded from a
// Hugging Face folder, with its WordPiece tokenizer, CLS or mean pooling, optional L2
// normalisation, prefixes per role (E5's "query: ") and tied or separate query/passage towers.
#pragma once

#include <memory>
#include <string>

#include "core/model/bert_model.hpp"
#include "core/model/encoder.hpp"
#include "core/text/wordpiece_tokenizer.hpp"

namespace multipos::model {

struct BertEncoderConfig {
  std::string model;  // a folder, or a name in the model cache (see resolve_model_path)
  Pooling pooling = Pooling::mean;
  bool normalize = true;
  bool separate_towers = false;      // two copies initialised from the same weights
  int64_t query_max_length = 32;     // tokens including [CLS] and [SEP]; cut to the model's
  int64_t passage_max_length = 128;  // max_position_embeddings
  std::string query_prefix, passage_prefix;
  double dropout = -1.0;  // < 0: the folder's hidden/attention dropout
};

class BertEncoder : public Encoder {
 public:
  // Loads the folder; throws ModelFolderError / SafetensorsError / util::ConfigError naming the
  // file and field or tensor at fault.
  explicit BertEncoder(const BertEncoderConfig& config);

  at::Tensor encode(const std::vector<std::string>& texts, TextRole role) override;
  int64_t dim() const override { return query_tower_->architecture().hidden_size; }
  std::string kind() const override { return "bert"; }
  std::vector<size_t> token_lengths(const std::vector<std::string>& texts, TextRole role) const override;
  std::string replay_obstacle() const override { return ""; }  // dropout draws from the default generators
  void move_to(const at::Device& device) override;
  // "embeddings" (token, position, type tables and their norm) and "layers" (the Transformer layers).
  std::vector<ParameterGroup> parameter_groups() override;

  BertModel& tower(TextRole role) { return role == TextRole::query ? *query_tower_ : *passage_tower_; }
  const text::WordPieceTokenizer& tokenizer() const { return *tokenizer_; }

 private:
  BertEncoderConfig config_;
  std::unique_ptr<text::WordPieceTokenizer> tokenizer_;
  std::shared_ptr<BertModel> query_tower_, passage_tower_;  // the same module when tied
};

}  // namespace multipos::model
