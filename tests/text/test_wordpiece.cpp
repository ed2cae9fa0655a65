// WordPiece tokenizer against outputs of the Hugging Face tokenizers (tests/fixtures/make_fixtures.py)
// and against hand-checked cases for the parts the fixtures cannot show (errors, padding options).
#include <gtest/gtest.h>

#include "core/text/wordpiece_tokenizer.hpp"
#include "tests/fixtures/model_cache.hpp"

namespace multipos::text {
namespace {

using testing::fixture_path;
using testing::read_fixture;

void expect_cases_match(const WordPieceTokenizer& tokenizer, const nlohmann::json& cases) {
  ASSERT_FALSE(cases.empty());
  for (const auto& item : cases) {
    const std::string text = item.at("text");
    EXPECT_EQ(tokenizer.tokenize(text), item.at("tokens").get<std::vector<std::string>>()) << "text: " << text;
    EXPECT_EQ(tokenizer.token_ids(text), item.at("ids").get<std::vector<int64_t>>()) << "text: " << text;
  }
}

TEST(WordPiece, TinyVocabularyMatchesTheReferenceTokenizer) {
  auto fixture = read_fixture("wordpiece_tiny.json");
  auto tokenizer = WordPieceTokenizer::from_file(fixture_path("tiny_vocab.txt"));
  expect_cases_match(tokenizer, fixture.at("cases"));

  // The behaviours the fixture holds, spelled out so a regenerated fixture cannot hide them.
  using Tokens = std::vector<std::string>;
  EXPECT_EQ(tokenizer.tokenize("Café naïve RÉSUMÉ"), (Tokens{"cafe", "naive", "resume"}));
  EXPECT_EQ(tokenizer.tokenize("unaffable, jumping!"), (Tokens{"un", "##aff", "##able", ",", "jump", "##ing", "!"}));
  EXPECT_EQ(tokenizer.tokenize("xyzzy 日本字"), (Tokens{"[UNK]", "日", "本", "[UNK]"}));
  EXPECT_EQ(tokenizer.tokenize(std::string(101, 'x')), (Tokens{"[UNK]"}));
  EXPECT_EQ(tokenizer.tokenize("the[SEP]dog"), (Tokens{"the", "[SEP]", "dog"}));
  EXPECT_EQ(tokenizer.basic_tokenize("a\xC3"
                                     "b \x01"
                                     "c\tD"),
            (Tokens{"ab", "c", "d"}));  // bad UTF-8, control
}

TEST(WordPiece, TruncatesAndPadsWithSpecialTokens) {
  auto tokenizer = WordPieceTokenizer::from_file(fixture_path("tiny_vocab.txt"));
  const int64_t cls = tokenizer.cls_id(), sep = tokenizer.sep_id(), pad = tokenizer.pad_id();
  const int64_t the = tokenizer.id_of("the"), quick = tokenizer.id_of("quick"), dog = tokenizer.id_of("dog");
  TokenBatch batch = tokenizer.encode({"the quick brown fox", "dog", ""}, 4);
  EXPECT_EQ(batch.rows, 3);
  EXPECT_EQ(batch.length, 4);
  EXPECT_EQ(batch.input_ids, (std::vector<int64_t>{cls, the, quick, sep, cls, dog, sep, pad, cls, sep, pad, pad}));
  EXPECT_EQ(batch.attention_mask, (std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0}));

  TokenBatch longest = tokenizer.encode({"dog", "the dog"}, 64);
  EXPECT_EQ(longest.length, 4);  // padded to the longest row, not to 64
  TokenBatch fixed = tokenizer.encode({"dog"}, 6, /*pad_to_max_length=*/true);
  EXPECT_EQ(fixed.input_ids, (std::vector<int64_t>{cls, dog, sep, pad, pad, pad}));
  EXPECT_THROW(tokenizer.encode({"dog"}, 1), std::invalid_argument);
}

TEST(WordPiece, ErrorsNameTheVocabulary) {
  try {
    WordPieceTokenizer::from_file("/nonexistent/vocab.txt");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/vocab.txt"), std::string::npos) << error.what();
  }
  try {
    WordPieceTokenizer({"[PAD]", "[CLS]", "[SEP]", "a"}, {}, "my_vocab.txt");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("my_vocab.txt"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("[UNK]"), std::string::npos) << error.what();
  }
}

TEST(WordPiece, MiniLmVocabularyMatchesTheReferenceTokenizer) {
  const std::string folder = testing::model_folder("all-minilm-l6-v2");
  if (folder.empty()) GTEST_SKIP() << testing::kMiniLmSkip;
  auto fixture = read_fixture("wordpiece_minilm.json");
  auto tokenizer = WordPieceTokenizer::from_file(folder + "/vocab.txt");
  EXPECT_EQ(tokenizer.vocab_size(), 30522);
  expect_cases_match(tokenizer, fixture.at("cases"));
  for (const auto& batch : fixture.at("batches")) {
    TokenBatch encoded = tokenizer.encode(batch.at("texts"), batch.at("max_length"));
    std::vector<int64_t> ids, mask;
    for (const auto& row : batch.at("input_ids")) ids.insert(ids.end(), row.begin(), row.end());
    for (const auto& row : batch.at("attention_mask")) mask.insert(mask.end(), row.begin(), row.end());
    EXPECT_EQ(encoded.input_ids, ids) << "max_length " << batch.at("max_length");
    EXPECT_EQ(encoded.attention_mask, mask) << "max_length " << batch.at("max_length");
  }
}

}  // namespace
}  // namespace multipos::text
