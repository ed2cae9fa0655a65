#include <gtest/gtest.h>

#include "core/text/hashing_tokenizer.hpp"

using multipos::text::HashingTokenizer;
using multipos::text::HashingTokenizerConfig;
using multipos::text::split_words;

TEST(HashingTokenizer, SplitsLowercasesAndKeepsUtf8Words) {
  EXPECT_EQ(split_words("Hello, World! x2"), (std::vector<std::string>{"hello", "world", "x2"}));
  EXPECT_EQ(split_words("  caf\xc3\xa9 -- ok "), (std::vector<std::string>{"caf\xc3\xa9", "ok"}));
  EXPECT_TRUE(split_words("?!").empty());
}

TEST(HashingTokenizer, FeatureCountsAndBucketRange) {
  HashingTokenizerConfig config;
  config.buckets = 1000;
  config.char_ngram_min = 3;
  config.char_ngram_max = 3;
  config.word_bigrams = true;
  HashingTokenizer tokenizer(config);
  std::vector<int64_t> ids;
  tokenizer.tokenize("ab cde", ids);
  // words: 2; bigram: 1; trigrams of "<ab>" (2) and "<cde>" (3).
  EXPECT_EQ(ids.size(), 2u + 1u + 2u + 3u);
  for (int64_t id : ids) {
    EXPECT_GE(id, 1);
    EXPECT_LT(id, 1000);
  }
  std::vector<int64_t> again;
  tokenizer.tokenize("AB  cde", again);
  EXPECT_EQ(ids, again) << "case and spacing do not change features";
}

TEST(HashingTokenizer, EmptyTextGetsTheReservedBucketAndOffsetsLineUp) {
  HashingTokenizer tokenizer(HashingTokenizerConfig{});
  auto all = tokenizer.tokenize_all({"", "word", "..."});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all.offsets[1] - all.offsets[0], 1);
  EXPECT_EQ(all.ids[0], 0);
  EXPECT_GT(all.offsets[2] - all.offsets[1], 1);
  EXPECT_EQ(all.offsets[3] - all.offsets[2], 1);
  EXPECT_THROW(HashingTokenizer(HashingTokenizerConfig{1, 3, 4, true, 0}), std::invalid_argument);
}
