#include "core/model/hf_model_config.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

#include "core/util/config_reader.hpp"

namespace multipos::model {

namespace fs = std::filesystem;

namespace {

int64_t required_integer(const util::ConfigReader& config, const char* key, int64_t max) {
  if (!config.has(key)) config.fail(key, "missing");
  return config.integer(key, 0, 1, max);
}

void check_family(const nlohmann::json& json, const util::ConfigReader& config) {
  const std::string type = config.text("model_type", "");  // a non-string model_type is a ConfigError
  bool bert_architecture = false;
  if (json.contains("architectures") && json["architectures"].is_array())
    for (const auto& name : json["architectures"])
      if (name.is_string() && name.get<std::string>().rfind("Bert", 0) == 0) bert_architecture = true;
  if (type == "bert" || (type.empty() && bert_architecture)) return;
  if (!type.empty())
    config.fail("model_type", "'" + type +
                                  "' is not a BERT-family model (supported: model_type 'bert' - BERT, MiniLM, "
                                  "BGE, E5, Contriever)");
  config.fail("architectures", "names no Bert* architecture and model_type is absent; cannot tell the layout");
}

Activation read_activation(const util::ConfigReader& config) {
  const std::string act = config.choice("hidden_act", "gelu", {"gelu", "gelu_new", "gelu_pytorch_tanh", "relu"});
  if (act == "gelu") return Activation::gelu;
  if (act == "relu") return Activation::relu;
  return Activation::gelu_tanh;
}

BertArchitecture read_architecture(const std::string& config_file) {
  nlohmann::json json = util::ConfigReader::load_file(config_file);
  if (!json.is_object()) throw util::ConfigError(config_file + ": expected a JSON object");
  util::ConfigReader config(json, config_file);
  check_family(json, config);
  if (config.text("position_embedding_type", "absolute") != "absolute")
    config.fail("position_embedding_type", "only 'absolute' position embeddings are supported");
  BertArchitecture a;
  a.vocab_size = required_integer(config, "vocab_size", int64_t{1} << 24);
  a.hidden_size = required_integer(config, "hidden_size", 1 << 16);
  a.num_hidden_layers = required_integer(config, "num_hidden_layers", 256);
  a.num_attention_heads = required_integer(config, "num_attention_heads", 1024);
  a.intermediate_size = required_integer(config, "intermediate_size", 1 << 18);
  a.max_position_embeddings = required_integer(config, "max_position_embeddings", 1 << 20);
  a.type_vocab_size = config.integer("type_vocab_size", 2, 1, 1 << 16);
  a.pad_token_id =
      json.value("pad_token_id", nlohmann::json()).is_number_integer() ? json["pad_token_id"].get<int64_t>() : 0;
  a.layer_norm_eps = config.number("layer_norm_eps", 1e-12, 0.0, 1.0);
  a.hidden_dropout_prob = config.number("hidden_dropout_prob", 0.1, 0.0, 1.0);
  a.attention_probs_dropout_prob = config.number("attention_probs_dropout_prob", 0.1, 0.0, 1.0);
  a.initializer_range = config.number("initializer_range", 0.02, 0.0, 10.0);
  a.hidden_act = read_activation(config);
  if (a.hidden_size % a.num_attention_heads != 0)
    config.fail("num_attention_heads", "does not divide hidden_size " + std::to_string(a.hidden_size));
  return a;
}

// tokenizer_config.json, when present: do_lower_case, and strip_accents (null follows lower-casing).
text::WordPieceConfig read_tokenizer_config(const std::string& path) {
  text::WordPieceConfig tokenizer;
  if (!fs::exists(path)) return tokenizer;
  nlohmann::json json = util::ConfigReader::load_file(path);
  if (!json.is_object()) throw util::ConfigError(path + ": expected a JSON object");
  util::ConfigReader config(json, path);
  tokenizer.lower_case = config.flag("do_lower_case", true);
  tokenizer.strip_accents = json.value("strip_accents", nlohmann::json()).is_boolean()
                                ? json["strip_accents"].get<bool>()
                                : tokenizer.lower_case;
  tokenizer.split_cjk = config.flag("tokenize_chinese_chars", true);
  return tokenizer;
}

fs::path model_cache_root() {
  if (const char* cache = std::getenv("MULTIPOS_MODEL_CACHE"); cache != nullptr && *cache != '\0') return cache;
  if (const char* home = std::getenv("HOME"); home != nullptr) return fs::path(home) / ".cache" / "multipos" / "models";
  return {};
}

}  // namespace

std::string resolve_model_path(const std::string& model) {
  if (model.find('/') != std::string::npos || fs::exists(model)) return model;
  return (model_cache_root() / model).string();
}

std::string resolve_cache_file(const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute() || fs::exists(path)) return path;
  const fs::path cached = model_cache_root() / path;
  return fs::exists(cached) ? cached.string() : path;
}

HfModelFolder open_hf_model_folder(const std::string& path) {
  if (!fs::is_directory(path))
    throw ModelFolderError(path + ": model folder not found (scripts/fetch_models fetches the known ones)");
  HfModelFolder folder;
  folder.path = path;
  folder.config_file = (fs::path(path) / "config.json").string();
  folder.weights_file = (fs::path(path) / "model.safetensors").string();
  folder.vocab_file = (fs::path(path) / "vocab.txt").string();
  for (const std::string* file : {&folder.config_file, &folder.weights_file, &folder.vocab_file}) {
    if (fs::exists(*file)) continue;
    std::string hint = file == &folder.weights_file && fs::exists(fs::path(path) / "pytorch_model.bin")
                           ? " (only pytorch_model.bin is there; convert it to safetensors)"
                           : "";
    throw ModelFolderError(*file + ": missing; a BERT model folder needs config.json, model.safetensors and vocab.txt" +
                           hint);
  }
  folder.architecture = read_architecture(folder.config_file);
  folder.tokenizer = read_tokenizer_config((fs::path(path) / "tokenizer_config.json").string());
  return folder;
}

}  // namespace multipos::model
