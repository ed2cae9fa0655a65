// Reading a Hugging Face model folder's description (config.json, optional
// tokenizer_config.json; the weights and vocab.txt only checked to exist) and finding folders in
// the model cache. Torch-free: fuzzed without LibTorch (tests/fuzz), and the weights themselves
// are loaded by core/model/hf_model_folder.hpp.
#pragma once

#include <stdexcept>
#include <string>

#include "core/model/bert_architecture.hpp"
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

}  // namespace multipos::model
