// libFuzzer target: a Hugging Face model folder's config.json (and tokenizer_config.json after
// "=== tokenizer_config.json") opened by model::open_hf_model_folder; model.safetensors and
// vocab.txt are written empty unless the input has their sections, so a missing one is fuzzed too
// ("=== -vocab.txt" / "=== -model.safetensors" leave them out).
#include "core/model/hf_model_config.hpp"
#include "core/util/config_reader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("hf_config");
  const auto& dir = scratch.fresh();
  auto sections = fuzz::split_sections(
      fuzz::as_text(data, size),
      {"config.json", "tokenizer_config.json", "vocab.txt", "model.safetensors", "-vocab.txt", "-model.safetensors"});
  for (const char* file : {"vocab.txt", "model.safetensors"})
    if (!sections.count(std::string("-") + file) && !sections.count(file)) sections[file] = "";
  sections.erase("-vocab.txt");
  sections.erase("-model.safetensors");
  fuzz::write_sections(dir, sections);
  fuzz::expect_only<model::ModelFolderError, util::ConfigError>("hf_config", dir.string(), [&] {
    const model::HfModelFolder folder = model::open_hf_model_folder(dir.string());
    const model::BertArchitecture& a = folder.architecture;
    if (a.vocab_size < 1 || a.hidden_size < 1 || a.num_hidden_layers < 1 || a.num_attention_heads < 1 ||
        a.intermediate_size < 1 || a.max_position_embeddings < 1 || a.type_vocab_size < 1 ||
        a.hidden_size % a.num_attention_heads != 0)
      fuzz::violation("hf_config", "an architecture no BertModel can be built from was accepted");
  });
  return 0;
}
