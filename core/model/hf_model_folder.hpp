// Hugging Face model folders (config.json, model.safetensors, vocab.txt, optional
// tokenizer_config.json) for BERT-family models: reading the architecture, mapping the stored
// tensor names onto our BertModel, and writing such a folder back (tests, exported models).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/model/bert_model.hpp"
#include "core/model/safetensors.hpp"
#include "core/text/wordpiece_tokenizer.hpp"

namespace multipos::model {

class ModelFolderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct HfModelFolder {
  std::string path;
  std::string config_file, weights_file, vocab_file;
  BertArchitecture architecture;
  text::WordPieceConfig tokenizer;  // do_lower_case / strip_accents from tokenizer_config.json
};

// A path, or a bare name looked up in the model cache (MULTIPOS_MODEL_CACHE, else
// ~/.cache/multipos/models), where scripts/fetch_models puts its folders.
std::string resolve_model_path(const std::string& model);
// A relative path that does not exist from here but does under the model cache resolves there
// (e.g. "all-minilm-l6-v2/word_vectors.txt"); anything else comes back unchanged.
std::string resolve_cache_file(const std::string& path);

// Checks the files exist and reads config.json. BERT, MiniLM, BGE, E5 and Contriever are all
// model_type "bert"; anything else is refused with the field named.
HfModelFolder open_hf_model_folder(const std::string& path);

// Copies the weights file's tensors into `model` by name, accepting a "bert." prefix and the old
// LayerNorm gamma/beta names; pooler, heads and position_ids are ignored. Errors name the file and
// the tensor (missing, wrong shape, truncated).
void load_bert_weights(BertModel& model, const std::string& weights_file);

// Writes config.json, vocab.txt and model.safetensors (the module's tensors under `prefix`).
void write_hf_model_folder(const std::string& path, const BertModel& model, const std::vector<std::string>& vocab,
                           SafetensorsDtype dtype = SafetensorsDtype::f32, const std::string& prefix = "");

}  // namespace multipos::model
