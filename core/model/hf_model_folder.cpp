#include "core/model/hf_model_folder.hpp"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace multipos::model {

namespace fs = std::filesystem;

namespace {

std::string shape_text(at::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// Our parameter name -> the names it may carry in a Hugging Face file.
std::vector<std::string> stored_names(const std::string& name) {
  std::vector<std::string> names{name, "bert." + name};
  const std::string suffixes[2][2] = {{"LayerNorm.weight", "LayerNorm.gamma"}, {"LayerNorm.bias", "LayerNorm.beta"}};
  for (const auto& [ours, old] : suffixes) {
    if (name.size() >= ours.size() && name.compare(name.size() - ours.size(), ours.size(), ours) == 0) {
      const std::string renamed = name.substr(0, name.size() - ours.size()) + old;
      names.push_back(renamed);
      names.push_back("bert." + renamed);
    }
  }
  return names;
}

}  // namespace

void load_bert_weights(BertModel& model, const std::string& weights_file) {
  std::map<std::string, at::Tensor> stored = read_safetensors(weights_file);
  torch::NoGradGuard no_grad;
  for (auto& item : model.named_parameters()) {
    const at::Tensor* source = nullptr;
    for (const auto& name : stored_names(item.key())) {
      auto it = stored.find(name);
      if (it != stored.end()) {
        source = &it->second;
        break;
      }
    }
    if (source == nullptr)
      throw ModelFolderError(weights_file + ": tensor '" + item.key() + "' missing (also looked for 'bert." +
                             item.key() + "'); does config.json match the weights?");
    if (source->sizes() != item.value().sizes())
      throw ModelFolderError(weights_file + ": tensor '" + item.key() + "' has shape " + shape_text(source->sizes()) +
                             " but config.json implies " + shape_text(item.value().sizes()));
    item.value().copy_(*source);
  }
}

void write_hf_model_folder(const std::string& path, const BertModel& model, const std::vector<std::string>& vocab,
                           SafetensorsDtype dtype, const std::string& prefix) {
  fs::create_directories(path);
  const BertArchitecture& a = model.architecture();
  const char* act = a.hidden_act == Activation::gelu ? "gelu" : a.hidden_act == Activation::relu ? "relu" : "gelu_new";
  nlohmann::json config = {{"architectures", {"BertModel"}},
                           {"model_type", "bert"},
                           {"vocab_size", a.vocab_size},
                           {"hidden_size", a.hidden_size},
                           {"num_hidden_layers", a.num_hidden_layers},
                           {"num_attention_heads", a.num_attention_heads},
                           {"intermediate_size", a.intermediate_size},
                           {"max_position_embeddings", a.max_position_embeddings},
                           {"type_vocab_size", a.type_vocab_size},
                           {"pad_token_id", a.pad_token_id},
                           {"layer_norm_eps", a.layer_norm_eps},
                           {"hidden_dropout_prob", a.hidden_dropout_prob},
                           {"attention_probs_dropout_prob", a.attention_probs_dropout_prob},
                           {"initializer_range", a.initializer_range},
                           {"hidden_act", act},
                           {"position_embedding_type", "absolute"}};
  std::ofstream(fs::path(path) / "config.json") << config.dump(2) << "\n";
  std::ofstream vocab_out(fs::path(path) / "vocab.txt");
  for (const auto& token : vocab) vocab_out << token << "\n";
  std::map<std::string, at::Tensor> tensors;
  for (const auto& item : model.named_parameters()) tensors[prefix + item.key()] = item.value();
  write_safetensors((fs::path(path) / "model.safetensors").string(), tensors, dtype);
}

}  // namespace multipos::model
