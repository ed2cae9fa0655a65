// The `bert` encoder: real all-MiniLM-L6-v2 weights against reference vectors from the Hugging Face
// stack (tests/fixtures/minilm_reference.json), and a tiny random BERT written to a Hugging Face
// folder by our writer and loaded back (F32, F16, "bert." prefix, old LayerNorm names).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <iomanip>

#include "core/model/bert_encoder.hpp"
#include "core/model/hf_model_folder.hpp"
#include "core/util/config_reader.hpp"
#include "tests/fixtures/model_cache.hpp"
#include "tests/support/temp_dir.hpp"

namespace multipos::model {
namespace {

std::shared_ptr<Encoder> make(const nlohmann::json& config) {
  auto encoder = make_encoder(util::ConfigReader(config, "test config", "encoder"), 1);
  encoder->eval();
  return encoder;
}

at::Tensor fixture_matrix(const nlohmann::json& rows) {
  std::vector<at::Tensor> out;
  for (const auto& row : rows) out.push_back(at::tensor(row.get<std::vector<float>>()));
  return at::stack(out);
}

// Row-wise cosine between our vectors and the reference; returns the smallest.
double min_cosine(const at::Tensor& ours, const at::Tensor& reference) {
  at::Tensor cos = (ours * reference).sum(1) / (ours.norm(2, {1}) * reference.norm(2, {1}));
  return cos.min().item<double>();
}

TEST(BertEncoder, MiniLmMatchesTheReferenceImplementation) {
  const std::string folder = testing::model_folder("all-minilm-l6-v2");
  if (folder.empty()) GTEST_SKIP() << testing::kMiniLmSkip;
  const auto fixture = testing::read_fixture("minilm_reference.json");
  const auto texts = fixture.at("texts").get<std::vector<std::string>>();
  torch::NoGradGuard no_grad;

  auto mean = make({{"kind", "bert"}, {"model", folder}, {"query_max_length", 16}, {"passage_max_length", 256}});
  EXPECT_EQ(mean->dim(), 384);
  const double passages =
      min_cosine(mean->encode(texts, TextRole::passage), fixture_matrix(fixture["mean_normalized_max256"]));
  const double queries =
      min_cosine(mean->encode(texts, TextRole::query), fixture_matrix(fixture["mean_normalized_max16"]));
  auto cls = make(
      {{"kind", "bert"}, {"model", folder}, {"pooling", "cls"}, {"normalize", false}, {"passage_max_length", 256}});
  at::Tensor cls_vectors = cls->encode(texts, TextRole::passage);
  const double cls_cos = min_cosine(cls_vectors, fixture_matrix(fixture["cls_max256"]));
  std::cout << std::setprecision(9) << "min cosine to the reference: mean/256 " << passages << ", mean/16 " << queries
            << ", cls/256 " << cls_cos << "\n";
  EXPECT_GT(passages, 0.9999);
  EXPECT_GT(queries, 0.9999);
  EXPECT_GT(cls_cos, 0.9999);
  EXPECT_LT((cls_vectors - fixture_matrix(fixture["cls_max256"])).abs().max().item<double>(), 1e-3);

  // Separate towers start as copies of the same weights: identical vectors, twice the parameters.
  auto separate = make({{"kind", "bert"}, {"model", folder}, {"towers", "separate"}, {"passage_max_length", 256}});
  EXPECT_TRUE(
      at::allclose(separate->encode(texts, TextRole::passage), mean->encode(texts, TextRole::passage), 1e-5, 1e-6));
  EXPECT_EQ(separate->parameters().size(), 2 * mean->parameters().size());
}

BertArchitecture tiny_architecture() {
  BertArchitecture a;
  a.vocab_size = 56;  // tests/fixtures/tiny_vocab.txt
  a.hidden_size = 16;
  a.num_hidden_layers = 2;
  a.num_attention_heads = 4;
  a.intermediate_size = 24;
  a.max_position_embeddings = 32;
  a.layer_norm_eps = 1e-7;
  return a;
}

std::vector<std::string> tiny_vocab() {
  std::ifstream in(testing::fixture_path("tiny_vocab.txt"));
  std::vector<std::string> vocab;
  for (std::string line; std::getline(in, line);) vocab.push_back(line);
  return vocab;
}

// What the encoder must compute for `texts` with `model`: our tokenizer, then the module, pooled.
at::Tensor direct_encoding(BertModel& model, const std::vector<std::string>& texts, Pooling pooling) {
  auto tokenizer = text::WordPieceTokenizer::from_file(testing::fixture_path("tiny_vocab.txt"));
  text::TokenBatch batch = tokenizer.encode(texts, 128);
  TokenTensors tokens = to_tensors(batch.input_ids, batch.attention_mask, batch.rows, batch.length, at::kCPU);
  return pool(model.forward(tokens.input_ids, tokens.attention_mask), tokens.attention_mask, pooling);
}

TEST(BertEncoder, TinyRandomBertRoundTripsThroughAModelFolder) {
  testing::TempDir dir;
  at::manual_seed(3);
  BertModel original(tiny_architecture());
  original.initialize_weights();
  original.eval();
  torch::NoGradGuard no_grad;
  const std::vector<std::string> texts{"The quick brown fox jumps over the lazy dog.", "hello, world!", "Café naïve",
                                       ""};
  const at::Tensor expected_cls = direct_encoding(original, texts, Pooling::cls);
  const at::Tensor expected_mean = direct_encoding(original, texts, Pooling::mean);

  write_hf_model_folder(dir.file("f32"), original, tiny_vocab());
  auto cls = make({{"kind", "bert"}, {"model", dir.file("f32")}, {"pooling", "cls"}, {"normalize", false}});
  EXPECT_TRUE(at::allclose(cls->encode(texts, TextRole::query), expected_cls, 1e-5, 1e-6));
  auto mean = make({{"kind", "bert"}, {"model", dir.file("f32")}});
  at::Tensor normalized = mean->encode(texts, TextRole::passage);
  EXPECT_TRUE(at::allclose(normalized, expected_mean / expected_mean.norm(2, {1}, true), 1e-5, 1e-6));
  EXPECT_FALSE(at::allclose(expected_cls[0], expected_cls[1])) << "texts must not collapse to one vector";

  // F16 with a "bert." prefix: equal to the original with every weight rounded to F16.
  write_hf_model_folder(dir.file("f16"), original, tiny_vocab(), SafetensorsDtype::f16, "bert.");
  for (auto& p : original.parameters()) p.copy_(p.to(at::kHalf).to(at::kFloat));
  auto half = make({{"kind", "bert"}, {"model", dir.file("f16")}, {"pooling", "cls"}, {"normalize", false}});
  EXPECT_TRUE(
      at::allclose(half->encode(texts, TextRole::query), direct_encoding(original, texts, Pooling::cls), 1e-5, 1e-5));

  // Old checkpoints name LayerNorm parameters gamma/beta, and carry a pooler we do not use.
  std::map<std::string, at::Tensor> renamed;
  for (const auto& item : original.named_parameters()) {
    std::string name = item.key();
    if (name.size() > 16 && name.compare(name.size() - 16, 16, "LayerNorm.weight") == 0)
      name.replace(name.size() - 6, 6, "gamma");
    if (name.size() > 14 && name.compare(name.size() - 14, 14, "LayerNorm.bias") == 0)
      name.replace(name.size() - 4, 4, "beta");
    renamed[name] = item.value();
  }
  renamed["pooler.dense.weight"] = at::zeros({16, 16});
  write_safetensors(dir.file("f16") + "/model.safetensors", renamed, SafetensorsDtype::bf16);
  for (auto& p : original.parameters()) p.copy_(p.to(at::kBFloat16).to(at::kFloat));
  auto old = make({{"kind", "bert"}, {"model", dir.file("f16")}, {"pooling", "cls"}, {"normalize", false}});
  EXPECT_TRUE(
      at::allclose(old->encode(texts, TextRole::query), direct_encoding(original, texts, Pooling::cls), 1e-5, 1e-5));

  // More texts than one forward pass takes: encoded in slices sorted by length, rows in the
  // callers' order, each as if encoded alone.
  std::vector<std::string> many;
  for (int i = 0; i < 150; ++i) {
    std::string text;
    for (int w = 0; w < (i * 7) % 13; ++w) text += (w % 2 ? "quick " : "fox jumps ");
    many.push_back(text);
  }
  at::Tensor batched = cls->encode(many, TextRole::passage);
  for (int i : {0, 1, 77, 149})
    EXPECT_TRUE(at::allclose(batched[i], cls->encode({many[static_cast<size_t>(i)]}, TextRole::passage)[0], 1e-4, 1e-5))
        << i;

  // Parameter groups: embeddings and layers, disjoint, covering every parameter.
  auto groups = mean->parameter_groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "embeddings");
  EXPECT_EQ(groups[0].parameters.size(), 5u);  // three tables + LayerNorm weight and bias
  EXPECT_EQ(groups[0].parameters.size() + groups[1].parameters.size(), mean->parameters().size());
}

// Each bad folder must give an error naming the config field, the file and (for tensors) the tensor.
void expect_error(const std::string& folder, std::initializer_list<const char*> fragments) {
  try {
    make({{"kind", "bert"}, {"model", folder}});
    FAIL() << "expected an error for " << folder;
  } catch (const util::ConfigError& error) {
    const std::string message = error.what();
    std::cout << message << "\n";
    EXPECT_NE(message.find("encoder.model"), std::string::npos) << message;
    for (const char* fragment : fragments) EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

void edit_config(const std::string& folder, const std::string& key, const nlohmann::json& value) {
  auto config = util::ConfigReader::load_file(folder + "/config.json");
  config[key] = value;
  std::ofstream(folder + "/config.json") << config.dump();
}

TEST(BertEncoder, BadFoldersAreReportedNotCrashed) {
  testing::TempDir dir;
  BertModel model(tiny_architecture());
  model.initialize_weights();
  auto fresh = [&](const std::string& name) {
    write_hf_model_folder(dir.file(name), model, tiny_vocab());
    return dir.file(name);
  };
  const std::string missing = fresh("missing");
  std::filesystem::remove(missing + "/vocab.txt");
  expect_error(missing, {"vocab.txt", "missing"});
  expect_error(dir.file("nowhere"), {"nowhere", "not found"});

  const std::string roberta = fresh("roberta");
  edit_config(roberta, "model_type", "roberta");
  expect_error(roberta, {"config.json", "model_type", "roberta"});

  const std::string shapes = fresh("shapes");
  edit_config(shapes, "intermediate_size", 40);
  expect_error(shapes, {"model.safetensors", "encoder.layer.0.intermediate.dense.weight", "[24, 16]", "[40, 16]"});

  const std::string layers = fresh("layers");
  edit_config(layers, "num_hidden_layers", 3);
  expect_error(layers, {"model.safetensors", "encoder.layer.2.", "missing"});

  const std::string truncated = fresh("truncated");
  const auto weights = truncated + "/model.safetensors";
  std::filesystem::resize_file(weights, std::filesystem::file_size(weights) / 2);
  expect_error(truncated, {"model.safetensors", "tensor '", "truncated"});

  const std::string garbled = fresh("garbled");
  std::ofstream(garbled + "/config.json") << "{\"model_type\": \"bert\", \"hidden_size\": ";
  expect_error(garbled, {"config.json"});
}

}  // namespace
}  // namespace multipos::model
