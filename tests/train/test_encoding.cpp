// Evaluation encoding (issue #23 item 2): texts sorted by token length so batches carry little
// padding, rows returned in the callers' order (the same embeddings, to 1e-5 in fp32, as encoding
// in the given order or one text at a time), inference mode, and bf16 autocast close to fp32.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <fstream>
#include <random>

#include "core/model/bert_model.hpp"
#include "core/model/encoder.hpp"
#include "core/model/hf_model_folder.hpp"
#include "core/train/evaluation.hpp"
#include "core/util/config_reader.hpp"
#include "tests/fixtures/model_cache.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::model::TextRole;
using multipos::train::EncodeOptions;
using multipos::train::encode_texts;

namespace {

std::shared_ptr<multipos::model::Encoder> make(const nlohmann::json& json) {
  return multipos::model::make_encoder(multipos::util::ConfigReader(json, "test", "encoder"), 1);
}

// A random 2-layer BERT over tests/fixtures/tiny_vocab.txt, written as a Hugging Face folder.
std::string tiny_bert_folder(const multipos::testing::TempDir& dir) {
  multipos::model::BertArchitecture a;
  a.vocab_size = 56;
  a.hidden_size = 16;
  a.num_hidden_layers = 2;
  a.num_attention_heads = 4;
  a.intermediate_size = 24;
  a.max_position_embeddings = 64;
  at::manual_seed(5);
  multipos::model::BertModel model(a);
  model.initialize_weights();
  std::ifstream in(multipos::testing::fixture_path("tiny_vocab.txt"));
  std::vector<std::string> vocab;
  for (std::string line; std::getline(in, line);) vocab.push_back(line);
  multipos::model::write_hf_model_folder(dir.file("tiny"), model, vocab);
  return dir.file("tiny");
}

// `count` texts of 1 to 60 words drawn from the tiny vocabulary, lengths in random order.
std::vector<std::string> varied_texts(size_t count) {
  const std::vector<std::string> words{"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
                                       "hello", "world", "runner", "player", "cafe", "naive", "tab"};
  std::mt19937 rng(11);
  std::vector<std::string> texts;
  for (size_t i = 0; i < count; ++i) {
    std::string text;
    const size_t length = 1 + rng() % 60;
    for (size_t w = 0; w < length; ++w) text += (w ? " " : "") + words[rng() % words.size()];
    texts.push_back(text);
  }
  return texts;
}

double max_difference(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

double min_row_cosine(const at::Tensor& a, const at::Tensor& b) {
  return at::cosine_similarity(a.to(at::kDouble), b.to(at::kDouble), 1).min().item<double>();
}

}  // namespace

TEST(EncodeTexts, LengthSortedEqualsGivenOrderAndOneAtATimeInFp32) {
  multipos::testing::TempDir dir;
  auto encoder = make({{"kind", "bert"}, {"model", tiny_bert_folder(dir)}, {"passage_max_length", 64}});
  encoder->eval();
  const std::vector<std::string> texts = varied_texts(300);
  const std::vector<size_t> lengths = encoder->token_lengths(texts, TextRole::passage);
  ASSERT_EQ(lengths.size(), texts.size());
  ASSERT_FALSE(std::is_sorted(lengths.begin(), lengths.end())) << "the test needs texts out of length order";
  EXPECT_EQ(*std::max_element(lengths.begin(), lengths.end()), 64u);  // cut at passage_max_length

  EncodeOptions sorted, given;
  sorted.batch = given.batch = 32;
  given.sort_by_length = false;
  const at::Tensor by_length = encode_texts(*encoder, texts, TextRole::passage, {}, sorted);
  const at::Tensor in_order = encode_texts(*encoder, texts, TextRole::passage, {}, given);
  ASSERT_EQ(by_length.sizes(), in_order.sizes());
  EXPECT_EQ(by_length.scalar_type(), at::kFloat);
  EXPECT_FALSE(by_length.requires_grad());
  EXPECT_LT(max_difference(by_length, in_order), 1e-5);
  torch::NoGradGuard no_grad;
  for (size_t i : {size_t{0}, size_t{17}, size_t{150}, size_t{299}})  // each row is its own text's vector
    EXPECT_LT(max_difference(by_length[static_cast<int64_t>(i)], encoder->encode({texts[i]}, TextRole::passage)[0]), 1e-5)
        << "row " << i;
  // Progress counts every text once, in batches.
  size_t last = 0, calls = 0;
  encode_texts(*encoder, texts, TextRole::passage, [&](size_t done, size_t total) {
    EXPECT_EQ(total, texts.size());
    EXPECT_GE(done, last);
    last = done;
    ++calls;
  }, sorted);
  EXPECT_EQ(last, texts.size());
  EXPECT_EQ(calls, 1 + (texts.size() + 31) / 32);
}

// bf16 autocast (this CPU computes it natively where it has AMX / AVX512-BF16; elsewhere it is
// emulated, slower but the same numbers): every vector within cosine 0.999 of fp32's.
TEST(EncodeTexts, Bf16AutocastStaysCloseToFp32) {
  multipos::testing::TempDir dir;
  auto encoder = make({{"kind", "bert"}, {"model", tiny_bert_folder(dir)}, {"passage_max_length", 64}});
  encoder->eval();
  const std::vector<std::string> texts = varied_texts(100);
  EncodeOptions bf16;
  bf16.precision = "bf16";
  const at::Tensor fp32_vectors = encode_texts(*encoder, texts, TextRole::passage);
  const at::Tensor bf16_vectors = encode_texts(*encoder, texts, TextRole::passage, {}, bf16);
  EXPECT_EQ(bf16_vectors.scalar_type(), at::kFloat);
  EXPECT_GT(min_row_cosine(bf16_vectors, fp32_vectors), 0.999);
  EXPECT_GT(max_difference(bf16_vectors, fp32_vectors), 0.0) << "bf16 autocast changed nothing";
}

TEST(EncodeTexts, BagEncoderHasNoLengthsAndEncodesInOrder) {
  auto encoder = make({{"kind", "bag"}, {"buckets", 512}, {"embedding_dim", 8}});
  const std::vector<std::string> texts = varied_texts(40);
  EXPECT_TRUE(encoder->token_lengths(texts, TextRole::passage).empty());
  EncodeOptions small;
  small.batch = 7;
  torch::NoGradGuard no_grad;
  EXPECT_LT(max_difference(encode_texts(*encoder, texts, TextRole::passage, {}, small),
                           encoder->encode(texts, TextRole::passage)),
            1e-6);
}

// The real model (skips without scripts/fetch_models): sorted equals given order to 1e-5 in fp32,
// bf16 within cosine 0.99 of fp32 (the tolerance bf16 evaluation runs under). Few texts: on a CPU
// without native bf16 (AVX2 only) LibTorch emulates bf16 products about 17x slower than fp32.
TEST(EncodeTexts, MiniLmSortedMatchesUnsortedAndBf16IsClose) {
  const std::string folder = multipos::testing::model_folder("all-minilm-l6-v2");
  if (folder.empty()) GTEST_SKIP() << multipos::testing::kMiniLmSkip;
  auto encoder = make({{"kind", "bert"}, {"model", folder}, {"passage_max_length", 128}});
  encoder->eval();
  std::vector<std::string> texts = varied_texts(40);
  EncodeOptions sorted, given, bf16;
  sorted.batch = given.batch = bf16.batch = 8;
  given.sort_by_length = false;
  bf16.precision = "bf16";
  const at::Tensor by_length = encode_texts(*encoder, texts, TextRole::passage, {}, sorted);
  EXPECT_LT(max_difference(by_length, encode_texts(*encoder, texts, TextRole::passage, {}, given)), 1e-5);
  const std::vector<std::string> few(texts.begin(), texts.begin() + 8);
  const double cosine = min_row_cosine(encode_texts(*encoder, few, TextRole::passage, {}, bf16), by_length.narrow(0, 0, 8));
  std::cout << "MiniLM bf16 vs fp32: min cosine " << cosine << "\n";
  EXPECT_GT(cosine, 0.99);
}
