// Hugging Face model folders (config.json, model.safetensors, vocab.txt, optional
// tokenizer_config.json) for BERT-family models: mapping the stored tensor names onto our
// BertModel and writing such a folder back (tests, exported models). Opening a folder and reading
// its config.json is torch-free, in core/model/hf_model_config.hpp.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/model/bert_model.hpp"
#include "core/model/hf_model_config.hpp"
#include "core/model/safetensors.hpp"

namespace multipos::model {

// Copies the weights file's tensors into `model` by name, accepting a "bert." prefix and the old
// LayerNorm gamma/beta names; pooler, heads and position_ids are ignored. Errors name the file and
// the tensor (missing, wrong shape, truncated).
void load_bert_weights(BertModel& model, const std::string& weights_file);

// Writes config.json, vocab.txt and model.safetensors (the module's tensors under `prefix`).
void write_hf_model_folder(const std::string& path, const BertModel& model, const std::vector<std::string>& vocab,
                           SafetensorsDtype dtype = SafetensorsDtype::f32, const std::string& prefix = "");

}  // namespace multipos::model
