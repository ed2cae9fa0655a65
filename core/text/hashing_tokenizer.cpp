#include "core/text/hashing_tokenizer.hpp"

#include <stdexcept>

#include "core/util/rng.hpp"

namespace multipos::text {

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (char raw : text) {
    auto c = static_cast<unsigned char>(raw);
    bool word_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
    if (word_char) {
      current += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

HashingTokenizer::HashingTokenizer(HashingTokenizerConfig config) : config_(config) {
  if (config_.buckets < 2) throw std::invalid_argument("hashing tokenizer: buckets must be >= 2");
  if (config_.char_ngram_max > 0 && (config_.char_ngram_min < 1 || config_.char_ngram_min > config_.char_ngram_max))
    throw std::invalid_argument("hashing tokenizer: need 1 <= char_ngram_min <= char_ngram_max");
}

int64_t HashingTokenizer::bucket(std::string_view feature, uint64_t kind) const {
  return static_cast<int64_t>(1 + util::stable_hash(feature, config_.seed * 31 + kind) %
                                      static_cast<uint64_t>(config_.buckets - 1));
}

void HashingTokenizer::tokenize(std::string_view text, std::vector<int64_t>& out) const {
  const size_t start = out.size();
  const auto words = split_words(text);
  for (size_t w = 0; w < words.size(); ++w) {
    const std::string& word = words[w];
    out.push_back(bucket(word, 1));
    if (config_.word_bigrams && w + 1 < words.size()) out.push_back(bucket(word + " " + words[w + 1], 2));
    if (config_.char_ngram_max <= 0) continue;
    const std::string marked = "<" + word + ">";
    for (int n = config_.char_ngram_min; n <= config_.char_ngram_max; ++n)
      for (size_t i = 0; i + static_cast<size_t>(n) <= marked.size(); ++i)
        out.push_back(bucket(std::string_view(marked).substr(i, static_cast<size_t>(n)), 3));
  }
  if (out.size() == start) out.push_back(0);
}

TokenizedTexts HashingTokenizer::tokenize_all(const std::vector<std::string>& texts) const {
  TokenizedTexts result;
  result.offsets.reserve(texts.size() + 1);
  for (const auto& text : texts) {
    tokenize(text, result.ids);
    result.offsets.push_back(static_cast<int64_t>(result.ids.size()));
  }
  return result;
}

}  // namespace multipos::text
