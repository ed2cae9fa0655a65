#include "core/train/model_negatives.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <fstream>
#include <unordered_set>

#include "core/data/dataset_factory.hpp"
#include "core/eval/search.hpp"
#include "core/model/checkpoint.hpp"
#include "core/train/evaluation.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::train {

namespace {

std::vector<int32_t> queries_of(const data::Dataset& dataset, const std::vector<std::string>& splits) {
  if (splits.empty()) {
    std::vector<int32_t> all(dataset.num_queries());
    for (size_t q = 0; q < all.size(); ++q) all[q] = static_cast<int32_t>(q);
    return all;
  }
  std::vector<int32_t> chosen;
  for (const auto& split : splits) {
    const auto& part = dataset.split(split);
    chosen.insert(chosen.end(), part.begin(), part.end());
  }
  return chosen;
}

}  // namespace

ModelNegativesReport mine_checkpoint_negatives(data::Dataset& dataset, const std::string& checkpoint_dir, int top_k,
                                               int per_query, const std::vector<std::string>& splits,
                                               const std::string& device) {
  const std::string meta_path = checkpoint_dir + "/checkpoint.json";
  std::ifstream meta_file(meta_path);
  if (!meta_file) throw std::invalid_argument(meta_path + ": no checkpoint here (dataset.hard_negatives.dir)");
  const nlohmann::json meta = nlohmann::json::parse(meta_file, nullptr, false);
  if (meta.is_discarded() || !meta.contains("config")) throw std::invalid_argument(meta_path + ": not a multipos checkpoint");
  const nlohmann::json& run_config = meta.at("config");
  const nlohmann::json encoder_config = run_config.value("encoder", nlohmann::json::object());
  auto encoder = model::make_encoder(util::ConfigReader(encoder_config, meta_path, "encoder"), 0);
  model::load_checkpoint(*encoder, checkpoint_dir, encoder_config);
  encoder->move_to(model::preferred_device(device));
  const bool cosine = run_config.value("objective", nlohmann::json::object()).value("similarity", "dot") == "cosine";

  torch::NoGradGuard no_grad;
  encoder->eval();
  const std::vector<int32_t> queries = queries_of(dataset, splits);
  std::vector<std::string> texts, ids;
  for (int32_t q : queries) {
    texts.push_back(dataset.query_texts[q]);
    ids.push_back(dataset.query_ids[q]);
  }
  ModelNegativesReport report;
  if (queries.empty()) return report;
  // In the precision the model trained in (a checkpoint from before "auto" names its own).
  const nlohmann::json optimizer = run_config.value("optimizer", nlohmann::json::object());
  OptimizerConfig trained;
  trained.precision = optimizer.value("precision", std::string("fp32"));
  trained.precision_resolved = optimizer.value("precision_resolved", std::string());
  EncodeOptions encoding;
  encoding.precision = evaluation_precision(trained, encoder->device());
  std::vector<QuerySearch> search(1);
  search[0].queries = encode_texts(*encoder, texts, model::TextRole::query, {}, encoding);
  search[0].query_ids = ids;
  search[0].options.similarity = cosine ? eval::Similarity::cosine : eval::Similarity::dot;
  search[0].options.ignore_identical_ids = true;
  size_t widest = 0;
  for (int32_t q : queries) widest = std::max(widest, dataset.judgments[q].size());
  search[0].options.k = static_cast<size_t>(top_k) + widest;  // room for the judged passages we drop
  // The corpus streamed through the search: never held whole.
  auto results = search_encoded_corpus(*encoder, dataset.passage_texts, &dataset.passage_ids, search, {}, encoding);
  for (size_t i = 0; i < queries.size(); ++i) {
    const int32_t q = queries[i];
    std::unordered_set<int32_t> skip(dataset.hard_negatives[q].begin(), dataset.hard_negatives[q].end());
    for (const auto& judgment : dataset.judgments[q]) skip.insert(judgment.passage);
    int added = 0;
    for (const auto& hit : results[i]) {
      if (added >= top_k || (per_query > 0 && static_cast<int>(dataset.hard_negatives[q].size()) >= per_query)) break;
      const auto passage = static_cast<int32_t>(hit.doc_index);
      if (!skip.insert(passage).second) continue;
      dataset.hard_negatives[q].push_back(passage);
      ++added;
    }
    report.added += static_cast<size_t>(added);
    ++report.queries;
  }
  dataset.notes.push_back("hard negatives: " + std::to_string(report.added) + " mined for " +
                          std::to_string(report.queries) + " queries from checkpoint " + checkpoint_dir);
  return report;
}

data::Dataset load_training_dataset(const nlohmann::json& dataset_spec, const std::string& source) {
  data::Dataset dataset = data::load_dataset(dataset_spec, source);
  if (!dataset_spec.contains("hard_negatives")) return dataset;
  const auto& spec = dataset_spec.at("hard_negatives");
  if (spec.value("kind", std::string()) != "checkpoint") return dataset;
  util::ConfigReader reader(spec, source, "dataset.hard_negatives");
  const std::string dir = reader.text("dir", "");
  if (dir.empty()) reader.fail("dir", "the checkpoint folder to mine with, e.g. <db>.checkpoints/run-3/final");
  std::vector<std::string> splits = {"train"};
  if (spec.contains("splits")) splits = spec.at("splits").get<std::vector<std::string>>();
  mine_checkpoint_negatives(dataset, dir, static_cast<int>(reader.integer("top_k", 30, 1, 10000)),
                            static_cast<int>(reader.integer("per_query", 0, 0, 100000)), splits);
  return dataset;
}

}  // namespace multipos::train
