// libFuzzer target: a WordPiece vocab.txt read by text::WordPieceTokenizer::from_file; when it
// loads, a fixed sentence and the input's own bytes (arbitrary, often invalid UTF-8) are
// tokenized and encoded with it, and every id must lie inside the vocabulary.
#include <stdexcept>

#include "core/text/wordpiece_tokenizer.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("vocab");
  scratch.fresh();
  const std::string path = scratch.file("vocab.txt");
  const std::string input = fuzz::as_text(data, size);
  fuzz::write_file(path, input);
  for (bool lower_case : {true, false}) {
    fuzz::expect_only<std::invalid_argument>("vocab", path, [&] {
      text::WordPieceConfig config;
      config.lower_case = config.strip_accents = lower_case;
      const auto tokenizer = text::WordPieceTokenizer::from_file(path, config);
      const std::vector<std::string> texts = {"Héllo, WORLD! Ünïcode 東京 [SEP] unaffable x##y", input};
      const text::TokenBatch batch = tokenizer.encode(texts, 64);
      if (batch.rows != 2 || batch.input_ids.size() != static_cast<std::size_t>(batch.rows * batch.length) ||
          batch.attention_mask.size() != batch.input_ids.size())
        fuzz::violation("vocab", "a batch of the wrong shape");
      for (int64_t id : batch.input_ids)
        if (id < 0 || id >= tokenizer.vocab_size())
          fuzz::violation("vocab", "token id " + std::to_string(id) + " outside the vocabulary");
      for (const auto& token : tokenizer.tokenize(input))
        if (tokenizer.id_of(token) < 0) fuzz::violation("vocab", "token '" + token + "' is not in the vocabulary");
    });
  }
  return 0;
}
