// Every encoder kind learns: a few dozen AdamW steps of in-batch InfoNCE on the synthetic data make
// the loss fall (gradients reach every kind of parameter). Plus the transformer's shapes and the bag
// encoder's pretrained word vectors (seeding, collisions, malformed files).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include <cstdlib>
#include <fstream>
#include <numeric>

#include "core/data/synthetic.hpp"
#include "core/model/bag_encoder.hpp"
#include "core/model/hf_model_folder.hpp"
#include "core/util/component_kinds.hpp"
#include "core/util/config_reader.hpp"
#include "core/util/file_error.hpp"
#include "tests/fixtures/model_cache.hpp"
#include "tests/support/temp_dir.hpp"

namespace multipos::model {
namespace {

std::shared_ptr<Encoder> make(const nlohmann::json& config, uint64_t seed = 1) {
  return make_encoder(util::ConfigReader(config, "test config", "encoder"), seed);
}

// In-batch InfoNCE (cosine, tau 0.05) over 64 training queries and their first positive, cycled
// in batches of 16; returns the loss of every step.
std::vector<double> train_losses(Encoder& encoder, double lr, int steps) {
  data::SyntheticConfig synthetic;
  synthetic.topics = 6;
  synthetic.subtopics_per_topic = 3;
  synthetic.queries_per_subtopic = 5;
  const data::Dataset dataset = data::make_synthetic(synthetic);
  torch::optim::AdamW optimizer(encoder.parameters(), torch::optim::AdamWOptions(lr).weight_decay(0.01));
  encoder.train();
  std::vector<double> losses;
  const int64_t batch = 16;
  for (int step = 0; step < steps; ++step) {
    std::vector<std::string> queries, passages;
    for (int64_t i = 0; i < batch; ++i) {
      const int32_t query = dataset.train_queries.at(static_cast<size_t>((step % 4) * batch + i));
      queries.push_back(dataset.query_texts[static_cast<size_t>(query)]);
      passages.push_back(
          dataset.passage_texts[static_cast<size_t>(dataset.judgments[static_cast<size_t>(query)].at(0).passage)]);
    }
    at::Tensor q = encoder.encode(queries, TextRole::query), p = encoder.encode(passages, TextRole::passage);
    q = q / q.norm(2, {1}, true).clamp_min(1e-12);
    p = p / p.norm(2, {1}, true).clamp_min(1e-12);
    at::Tensor loss = at::nll_loss(at::log_softmax(at::matmul(q, p.t()) / 0.05, 1), at::arange(batch, at::kLong));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    losses.push_back(loss.item<double>());
  }
  return losses;
}

void expect_learns(Encoder& encoder, double lr, int steps = 40) {
  const auto losses = train_losses(encoder, lr, steps);
  const double first = std::accumulate(losses.begin(), losses.begin() + 8, 0.0) / 8;
  const double last = std::accumulate(losses.end() - 8, losses.end(), 0.0) / 8;
  std::cout << encoder.kind() << ": loss " << first << " -> " << last << "\n";
  EXPECT_LT(last, 0.8 * first) << encoder.kind() << " did not learn";
}

TEST(EncoderTraining, BagLearns) {
  auto bag = make({{"kind", "bag"}, {"buckets", 4096}, {"embedding_dim", 32}, {"projection", true}});
  auto groups = bag->parameter_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1].name, "projection");
  expect_learns(*bag, 0.05);
}

TEST(EncoderTraining, TransformerLearns) {
  auto transformer = make({{"kind", "transformer"},
                           {"layers", 2},
                           {"width", 32},
                           {"heads", 4},
                           {"ffn", 64},
                           {"query_max_length", 8},
                           {"passage_max_length", 24},
                           {"buckets", 4096}});
  EXPECT_EQ(transformer->dim(), 32);
  auto groups = transformer->parameter_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].parameters.size() + groups[1].parameters.size(), transformer->parameters().size());
  {
    torch::NoGradGuard no_grad;
    transformer->eval();
    at::Tensor vectors =
        transformer->encode({"alpha beta", "", "a much longer text than the query limit allows here"}, TextRole::query);
    EXPECT_EQ(vectors.sizes(), (std::vector<int64_t>{3, 32}));
    EXPECT_TRUE(vectors.isfinite().all().item<bool>());
  }
  expect_learns(*transformer, 2e-3);
}

TEST(EncoderTraining, TransformerOverWordPieceAndCls) {
  auto transformer = make({{"kind", "transformer"},
                           {"layers", 1},
                           {"width", 16},
                           {"heads", 2},
                           {"pooling", "cls"},
                           {"vocab", testing::fixture_path("tiny_vocab.txt")}});
  torch::NoGradGuard no_grad;
  transformer->eval();
  at::Tensor vectors = transformer->encode({"the quick brown fox", "the lazy dog"}, TextRole::passage);
  EXPECT_EQ(vectors.sizes(), (std::vector<int64_t>{2, 16}));
  EXPECT_FALSE(at::allclose(vectors[0], vectors[1]));
  try {
    make({{"kind", "transformer"}, {"vocab", "/nonexistent/vocab.txt"}});
    FAIL() << "expected an error";
  } catch (const util::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("encoder.vocab"), std::string::npos) << error.what();
  }
  EXPECT_THROW(make({{"kind", "transformer"}, {"width", 30}, {"heads", 4}}), util::ConfigError);
}

TEST(EncoderTraining, TinyBertWithSeparateTowersLearns) {
  testing::TempDir dir;
  BertArchitecture architecture;
  architecture.vocab_size = 56;
  architecture.hidden_size = 32;
  architecture.num_hidden_layers = 2;
  architecture.num_attention_heads = 4;
  architecture.intermediate_size = 64;
  architecture.max_position_embeddings = 64;
  at::manual_seed(5);
  BertModel model(architecture);
  model.initialize_weights();
  // Synthetic words are not in the tiny vocabulary: this BERT reads words as hashed pieces of a
  // bigger vocabulary instead, made of every character and its "##" continuation.
  std::vector<std::string> vocab{"[PAD]", "[UNK]", "[CLS]", "[SEP]"};
  for (char c = 'a'; c <= 'z'; ++c) vocab.push_back(std::string(1, c));
  for (char c = 'a'; c <= 'z'; ++c) vocab.push_back("##" + std::string(1, c));
  vocab.resize(56, "[unused]");
  write_hf_model_folder(dir.file("tiny"), model, vocab);
  auto bert = make({{"kind", "bert"},
                    {"model", dir.file("tiny")},
                    {"towers", "separate"},
                    {"dropout", 0.0},
                    {"query_max_length", 16},
                    {"passage_max_length", 48}});
  expect_learns(*bert, 3e-3);
}

TEST(EncoderTraining, BagStartsFromPretrainedWordVectors) {
  testing::TempDir dir;
  {
    std::ofstream out(dir.file("vectors.txt"));
    out << "3 4\n"
        << "apple 1 0 0 0\n"
        << "Pear 0.5 0.5 0 0\n"
        << "don't 9 9 9 9\n";
  }
  auto encoder = make({{"kind", "bag"},
                       {"buckets", 1024},
                       {"embedding_dim", 4},
                       {"char_ngram_max", 0},
                       {"word_bigrams", false},
                       {"word_vectors", dir.file("vectors.txt")}});
  auto* bag = dynamic_cast<BagEncoder*>(encoder.get());
  ASSERT_NE(bag, nullptr);
  EXPECT_EQ(bag->seeded_words(), 2);  // "don't" splits into two bag words: skipped
  torch::NoGradGuard no_grad;
  at::Tensor apple = bag->encode({"apple"}, TextRole::query)[0], pear = bag->encode({"pear"}, TextRole::query)[0];
  EXPECT_NEAR((apple.dot(pear) / (apple.norm() * pear.norm())).item<double>(), std::sqrt(0.5), 1e-5);
  EXPECT_NEAR(apple[1].item<double>(), 0.0, 1e-6);

  // A relative path missing here is looked up in the model cache.
  const char* previous = std::getenv("MULTIPOS_MODEL_CACHE");
  const std::string saved = previous ? previous : "";
  setenv("MULTIPOS_MODEL_CACHE", dir.path().c_str(), 1);
  auto cached = make({{"kind", "bag"}, {"buckets", 1024}, {"embedding_dim", 4}, {"word_vectors", "vectors.txt"}});
  EXPECT_EQ(dynamic_cast<BagEncoder&>(*cached).seeded_words(), 2);
  if (previous)
    setenv("MULTIPOS_MODEL_CACHE", saved.c_str(), 1);
  else
    unsetenv("MULTIPOS_MODEL_CACHE");

  // Two buckets: every word lands in bucket 1, which holds the mean of the vectors.
  auto collided = make({{"kind", "bag"},
                        {"buckets", 2},
                        {"embedding_dim", 4},
                        {"char_ngram_max", 0},
                        {"word_bigrams", false},
                        {"word_vectors", dir.file("vectors.txt")}});
  at::Tensor row = collided->encode({"apple"}, TextRole::query)[0];
  EXPECT_NEAR(row[0].item<double>() / row[1].item<double>(), 0.75 / 0.25, 1e-4);

  {
    std::ofstream out(dir.file("bad.txt"));
    out << "apple 1 0 0 0\n"
        << "pear 1 0 x 0\n";
  }
  auto expect_error = [&](const std::string& file, int64_t dim, const std::string& fragment) {
    try {
      make({{"kind", "bag"}, {"embedding_dim", dim}, {"word_vectors", file}});
      FAIL() << "expected an error mentioning " << fragment;
    } catch (const util::ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find("encoder.word_vectors"), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  expect_error(dir.file("bad.txt"), 4, "bad.txt:2: field 'value 3': 'x' is not a number");
  expect_error(dir.file("vectors.txt"), 8, "vectors.txt:1: field 'dim'");
  EXPECT_THROW(make({{"kind", "bag"}, {"embedding_dim", 4}, {"word_vectors", dir.file("missing.txt")}}),
               util::ConfigError);
}

// Every encoder kind of the engine's table builds from the table's fields and refuses a stray
// field with that list, so the studio's launch form (which offers the same table) cannot drift.
TEST(EncoderFactory, AcceptsExactlyTheKindsAndFieldsOfTheEnginesTable) {
  const auto& kinds = util::encoder_kinds();
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds.front().name, "bag") << "the default kind comes first";
  for (const auto& kind : kinds) {
    const nlohmann::json config = {{"kind", kind.name}, {"not_a_field", 1}};
    try {
      make_encoder(util::ConfigReader(config, "kinds.json", "encoder"), 1);
      ADD_FAILURE() << kind.name << ": a stray field was accepted";
    } catch (const util::ConfigError& error) {
      std::string fields;
      for (const auto& field : kind.fields) fields += (fields.empty() ? "" : ", ") + field;
      EXPECT_NE(std::string(error.what()).find("known fields here: " + fields), std::string::npos)
          << kind.name << ": " << error.what();
    }
  }
  const nlohmann::json bag = {{"kind", "bag"}, {"buckets", 1024}, {"embedding_dim", 8}, {"output_dim", 8}};
  EXPECT_EQ(make_encoder(util::ConfigReader(bag, "kinds.json", "encoder"), 1)->kind(), "bag");
  try {
    make_encoder(util::ConfigReader(nlohmann::json{{"kind", "lstm"}}, "kinds.json", "encoder"), 1);
    ADD_FAILURE() << "an unknown kind was accepted";
  } catch (const util::ConfigError& error) {
    std::string names;
    for (const auto& name : util::kind_names(kinds)) names += (names.empty() ? "" : ", ") + name;
    EXPECT_NE(std::string(error.what()).find("valid values: " + names), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace multipos::model
