// safetensors I/O (our own) and encoder checkpoints: round trips, half-precision reads, and the
// refusals a user meets with a truncated file or a checkpoint of another config.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cstring>
#include <algorithm>
#include <fstream>
#include <set>

#include "core/data/dataset_factory.hpp"
#include "core/model/checkpoint.hpp"
#include "core/model/safetensors.hpp"
#include "core/train/model_negatives.hpp"
#include "core/train/trainer.hpp"
#include "core/util/config_reader.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::model::read_safetensors;
using multipos::model::SafetensorsError;
using multipos::model::write_safetensors;
using multipos::testing::TempDir;

namespace {

// A safetensors file written byte by byte, independent of our writer.
void write_raw(const std::string& path, const std::string& header, const std::vector<unsigned char>& data) {
  std::ofstream out(path, std::ios::binary);
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(length >> (8 * i)));
  out << header;
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

std::shared_ptr<multipos::model::Encoder> small_bag(int64_t dim, uint64_t seed) {
  nlohmann::json config = {{"kind", "bag"}, {"buckets", 512}, {"embedding_dim", dim}};
  return multipos::model::make_encoder(multipos::util::ConfigReader(config, "test"), seed);
}

}  // namespace

TEST(Safetensors, RoundTripsNamesShapesAndValues) {
  TempDir dir;
  std::map<std::string, at::Tensor> tensors = {{"a.weight", at::randn({3, 4})}, {"b", at::arange(5, at::kFloat)}};
  write_safetensors(dir.file("m.safetensors"), tensors);
  auto back = read_safetensors(dir.file("m.safetensors"));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_TRUE(at::equal(back["a.weight"], tensors["a.weight"]));
  EXPECT_TRUE(at::equal(back["b"], tensors["b"]));
}

TEST(Safetensors, ReadsHalfAndBfloat16) {
  TempDir dir;
  // 1.0, -2.0, 0.5 in IEEE half: 0x3C00, 0xC000, 0x3800; in bfloat16: 0x3F80, 0xC000, 0x3F00.
  write_raw(dir.file("h.safetensors"),
            R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[6,12]}})",
            {0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0x80, 0x3F, 0x00, 0xC0, 0x00, 0x3F});
  auto tensors = read_safetensors(dir.file("h.safetensors"));
  EXPECT_TRUE(at::equal(tensors["h"], at::tensor({1.0f, -2.0f, 0.5f})));
  EXPECT_TRUE(at::equal(tensors["b"], at::tensor({1.0f, -2.0f, 0.5f})));
}

TEST(Safetensors, TruncatedAndForeignFilesNameTheFileAndTensor) {
  TempDir dir;
  write_raw(dir.file("t.safetensors"), R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", {0, 0, 0, 0});
  try {
    read_safetensors(dir.file("t.safetensors"));
    FAIL();
  } catch (const SafetensorsError& error) {
    EXPECT_NE(std::string(error.what()).find("tensor 'w'"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("t.safetensors"), std::string::npos) << error.what();
  }
  write_raw(dir.file("i.safetensors"), R"({"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", std::vector<unsigned char>(8));
  EXPECT_THROW(read_safetensors(dir.file("i.safetensors")), SafetensorsError);
  std::ofstream(dir.file("junk.safetensors")) << "not a tensor file";
  EXPECT_THROW(read_safetensors(dir.file("junk.safetensors")), SafetensorsError);
}

TEST(Checkpoint, ReloadsTheSameEncoderOutputs) {
  TempDir dir;
  auto trained = small_bag(16, 1);
  auto fresh = small_bag(16, 2);
  std::vector<std::string> texts = {"alpha beta", "gamma delta epsilon"};
  at::Tensor before = trained->encode(texts, multipos::model::TextRole::passage).detach();
  ASSERT_FALSE(at::allclose(before, fresh->encode(texts, multipos::model::TextRole::passage).detach()));
  nlohmann::json config = {{"encoder", {{"kind", "bag"}, {"buckets", 512}, {"embedding_dim", 16}}}};
  multipos::model::save_checkpoint(*trained, dir.file("ckpt"), 41, config);
  EXPECT_EQ(multipos::model::load_checkpoint(*fresh, dir.file("ckpt"), config["encoder"]), 41);
  EXPECT_TRUE(at::equal(before, fresh->encode(texts, multipos::model::TextRole::passage).detach()));
}

TEST(Checkpoint, RefusesAnotherConfigAndSaysWhichFieldDiffers) {
  TempDir dir;
  auto encoder = small_bag(16, 1);
  nlohmann::json config = {{"encoder", {{"kind", "bag"}, {"buckets", 512}, {"embedding_dim", 16}}}};
  multipos::model::save_checkpoint(*encoder, dir.file("ckpt"), 3, config);
  nlohmann::json other = {{"kind", "bag"}, {"buckets", 1024}, {"embedding_dim", 16}};
  try {
    multipos::model::load_checkpoint(*encoder, dir.file("ckpt"), other);
    FAIL();
  } catch (const SafetensorsError& error) {
    EXPECT_NE(std::string(error.what()).find("/buckets"), std::string::npos) << error.what();
  }
  EXPECT_THROW(multipos::model::load_checkpoint(*encoder, dir.file("absent"), config["encoder"]), SafetensorsError);
}

TEST(CheckpointNegatives, MinedFromATrainedRunNeverIncludeJudgedPassages) {
  TempDir dir;
  nlohmann::json dataset = {{"kind", "synthetic"}, {"topics", 4}, {"subtopics_per_topic", 3}, {"queries_per_subtopic", 4}};
  nlohmann::json config = {{"objective", {{"name", "lsepair"}, {"similarity", "cosine"}, {"temperature", 0.05}}},
                           {"dataset", dataset},
                           {"encoder", {{"kind", "bag"}, {"buckets", 4096}, {"embedding_dim", 16}}},
                           {"batch", {{"queries", 8}, {"group_size", 4}, {"max_positives", 2}}},
                           {"eval", {{"every", 0}, {"at_end", false}}},
                           {"probe", {{"every", 0}}},
                           {"steps", 5},
                           {"device", "cpu"}};
  auto train_config = multipos::train::train_config_from_json(config, "test");
  multipos::store::RunStore store(dir.file("runs.sqlite"));
  multipos::store::NewRun run;
  run.name = run.objective = "lsepair";
  run.dataset = "synthetic";
  run.config_json = config.dump();
  int64_t id = store.create_run(run);
  multipos::train::train_run(train_config, store, id, {});
  const std::string checkpoint = multipos::train::checkpoint_dir(store.path(), id, "final");

  auto plain = multipos::data::load_dataset(dataset, "test");
  dataset["hard_negatives"] = {{"kind", "checkpoint"}, {"dir", checkpoint}, {"top_k", 5}};
  auto mined = multipos::train::load_training_dataset(dataset, "test");
  size_t added = 0;
  for (int32_t q : mined.train_queries) {
    const auto& before = plain.hard_negatives[q];
    const auto& after = mined.hard_negatives[q];
    ASSERT_GE(after.size(), before.size());
    EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin())) << "own negatives stay first";
    EXPECT_LE(after.size() - before.size(), 5u);
    added += after.size() - before.size();
    std::set<int32_t> judged;
    for (const auto& j : mined.judgments[q]) judged.insert(j.passage);
    for (int32_t passage : after) EXPECT_FALSE(judged.count(passage)) << "query " << q;
    EXPECT_EQ(std::set<int32_t>(after.begin(), after.end()).size(), after.size()) << "no repeats";
  }
  EXPECT_GT(added, 0u);
  for (int32_t q : mined.dev_queries) EXPECT_EQ(mined.hard_negatives[q], plain.hard_negatives[q]) << "train split only";

  dataset["hard_negatives"] = {{"kind", "checkpoint"}, {"dir", dir.file("nowhere")}};
  EXPECT_THROW(multipos::train::load_training_dataset(dataset, "test"), std::invalid_argument);
}
