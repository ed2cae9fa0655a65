// Hashing tokenizer for from-scratch encoders: lower-cased words and character n-grams of each
// word, hashed into a fixed number of buckets (no vocabulary to build or ship).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace multipos::text {

struct HashingTokenizerConfig {
  int64_t buckets = 1 << 18;
  int char_ngram_min = 3;
  int char_ngram_max = 4;  // 0 disables character n-grams
  bool word_bigrams = true;
  uint64_t seed = 0;
};

// Token ids of many texts in one flat array: text i owns ids[offsets[i] .. offsets[i+1]).
struct TokenizedTexts {
  std::vector<int64_t> ids;
  std::vector<int64_t> offsets{0};
  size_t size() const { return offsets.size() - 1; }
};

class HashingTokenizer {
 public:
  explicit HashingTokenizer(HashingTokenizerConfig config);
  const HashingTokenizerConfig& config() const { return config_; }

  // Appends the ids of `text` (at least one id: an empty text maps to a reserved bucket).
  void tokenize(std::string_view text, std::vector<int64_t>& out) const;
  TokenizedTexts tokenize_all(const std::vector<std::string>& texts) const;
  // The bucket of a whole word (one of split_words' outputs), e.g. to seed it from word vectors.
  int64_t word_bucket(std::string_view word) const { return bucket(word, 1); }

 private:
  // Bucket 0 is reserved for empty texts; every real feature lands in [1, buckets). `kind` keeps
  // words, bigrams and n-grams with the same spelling apart.
  int64_t bucket(std::string_view feature, uint64_t kind) const;

  HashingTokenizerConfig config_;
};

// Splits on anything that is not an ASCII letter or digit; bytes >= 0x80 stay inside words so
// UTF-8 text is kept whole. ASCII letters are lower-cased.
std::vector<std::string> split_words(std::string_view text);

}  // namespace multipos::text
