#include <ATen/Context.h>

#include <stdexcept>

#include "core/model/bag_encoder.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::model {

std::shared_ptr<Encoder> make_encoder(const util::ConfigReader& config, uint64_t seed) {
  std::string kind = config.choice("kind", "bag", {"bag"});
  config.reject_unknown({"kind", "buckets", "embedding_dim", "output_dim", "char_ngram_min", "char_ngram_max",
                         "word_bigrams", "projection"});
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
  return std::make_shared<BagEncoder>(bag, seed);
}

at::Device preferred_device(const std::string& requested) {
  bool cuda = at::hasCUDA();
  if (requested == "auto") return cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  if (requested == "cpu") return at::Device(at::kCPU);
  if (requested.rfind("cuda", 0) == 0) {
    if (!cuda)
      throw std::invalid_argument("device '" + requested +
                                  "' requested, but this LibTorch has no CUDA or no GPU is present; use 'cpu' or 'auto'");
    return at::Device(requested);
  }
  throw std::invalid_argument("unknown device '" + requested + "'; valid: auto, cpu, cuda, cuda:N");
}

}  // namespace multipos::model
