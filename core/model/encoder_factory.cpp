#include <ATen/Context.h>

#include <cstdlib>
#include <stdexcept>

#include "core/model/bag_encoder.hpp"
#include "core/model/bert_encoder.hpp"
#include "core/model/device_info.hpp"
#include "core/model/hf_model_folder.hpp"
#include "core/model/transformer_encoder.hpp"
#include "core/util/component_kinds.hpp"
#include "core/util/config_reader.hpp"
#include "core/util/file_error.hpp"

namespace multipos::model {

namespace {

std::shared_ptr<Encoder> make_bag(const util::ConfigReader& config, uint64_t seed) {
  config.reject_unknown(util::find_encoder_kind("bag")->fields);
  BagEncoderConfig bag;
  bag.tokenizer.buckets = config.integer("buckets", 1 << 16, 2, int64_t{1} << 26);
  bag.tokenizer.char_ngram_min = static_cast<int>(config.integer("char_ngram_min", 3, 1, 16));
  bag.tokenizer.char_ngram_max = static_cast<int>(config.integer("char_ngram_max", 4, 0, 16));
  bag.tokenizer.word_bigrams = config.flag("word_bigrams", true);
  bag.embedding_dim = config.integer("embedding_dim", 128, 1, 8192);
  bag.output_dim = config.integer("output_dim", bag.embedding_dim, 1, 8192);
  bag.projection = config.flag("projection", false);
  if (!bag.projection && bag.output_dim != bag.embedding_dim)
    config.fail("output_dim", "differs from embedding_dim; set \"projection\": true to project");
  if (bag.tokenizer.char_ngram_max > 0 && bag.tokenizer.char_ngram_min > bag.tokenizer.char_ngram_max)
    config.fail("char_ngram_min", "must not exceed char_ngram_max");
  bag.word_vectors = resolve_cache_file(config.text("word_vectors", ""));
  try {
    return std::make_shared<BagEncoder>(bag, seed);
  } catch (const util::FileError& error) {  // a malformed vectors file: its line, and this field
    config.fail("word_vectors", error.what());
  }
}

Pooling read_pooling(const util::ConfigReader& config, const char* fallback) {
  return config.choice("pooling", fallback, {"mean", "cls"}) == "cls" ? Pooling::cls : Pooling::mean;
}

// Loading errors (missing file, bad shapes) are reported against the "model" field as well, so the
// message says both which config line and which file or tensor is at fault.
std::shared_ptr<Encoder> make_bert(const util::ConfigReader& config) {
  config.reject_unknown(util::find_encoder_kind("bert")->fields);
  BertEncoderConfig bert;
  if (!config.has("model")) config.fail("model", "missing: a Hugging Face model folder or a name in the model cache");
  bert.model = config.text("model", "");
  bert.pooling = read_pooling(config, "mean");
  bert.normalize = config.flag("normalize", true);
  bert.separate_towers = config.choice("towers", "tied", {"tied", "separate"}) == "separate";
  bert.query_max_length = config.integer("query_max_length", 32, 2, 8192);
  bert.passage_max_length = config.integer("passage_max_length", 128, 2, 8192);
  bert.query_prefix = config.text("query_prefix", "");
  bert.passage_prefix = config.text("passage_prefix", "");
  bert.dropout = config.number("dropout", -1.0, -1.0, 1.0);
  try {
    return std::make_shared<BertEncoder>(bert);
  } catch (const std::exception& error) {
    config.fail("model", error.what());
  }
}

std::shared_ptr<Encoder> make_transformer(const util::ConfigReader& config, uint64_t seed) {
  config.reject_unknown(util::find_encoder_kind("transformer")->fields);
  TransformerEncoderConfig t;
  t.layers = config.integer("layers", 2, 1, 48);
  t.width = config.integer("width", 128, 8, 4096);
  t.heads = config.integer("heads", 4, 1, 64);
  if (t.width % t.heads != 0) config.fail("heads", "must divide width " + std::to_string(t.width));
  t.ffn = config.integer("ffn", 4 * t.width, 1, 65536);
  t.query_max_length = config.integer("query_max_length", 32, 2, 4096);
  t.passage_max_length = config.integer("passage_max_length", 64, 2, 4096);
  t.dropout = config.number("dropout", 0.1, 0.0, 0.9);
  t.pooling = read_pooling(config, "mean");
  t.vocab = config.text("vocab", "");
  t.buckets = config.integer("buckets", int64_t{1} << 15, 2, int64_t{1} << 24);
  try {
    return std::make_shared<TransformerEncoder>(t, seed);
  } catch (const std::invalid_argument& error) {  // an unreadable vocabulary
    config.fail("vocab", error.what());
  }
}

}  // namespace

std::shared_ptr<Encoder> make_encoder(const util::ConfigReader& config, uint64_t seed) {
  std::string kind = config.choice("kind", "bag", util::kind_names(util::encoder_kinds()));
  if (kind == "bert") return make_bert(config);
  if (kind == "transformer") return make_transformer(config, seed);
  return make_bag(config, seed);
}

at::Device preferred_device(const std::string& requested) {
  bool cuda = at::hasCUDA();
  if (requested == "auto") return cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  if (requested == "cpu") return at::Device(at::kCPU);
  if (requested.rfind("cuda", 0) == 0) {
    if (!cuda) {
      const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
      throw std::invalid_argument(
          "device '" + requested + "' requested, but " +
          (libtorch_has_cuda() ? libtorch_description() + " sees no GPU (no NVIDIA driver or device" +
                                     (visible ? ", CUDA_VISIBLE_DEVICES='" + std::string(visible) + "'" : std::string()) +
                                     "); check nvidia-smi, or use 'cpu' or 'auto'"
                               : libtorch_description() +
                                     " has no CUDA; build against a CUDA LibTorch (MULTIPOS_LIBTORCH=pypi "
                                     "scripts/setup && scripts/build) or use 'cpu' or 'auto'"));
    }
    at::Device device(requested);
    const int count = cuda_device_count();
    if (device.has_index() && device.index() >= count)
      throw std::invalid_argument("device '" + requested + "' requested, but LibTorch sees " + std::to_string(count) +
                                  " GPU(s) (cuda:0 to cuda:" + std::to_string(count - 1) + ")");
    return device;
  }
  throw std::invalid_argument("unknown device '" + requested + "'; valid: auto, cpu, cuda, cuda:N");
}

}  // namespace multipos::model
