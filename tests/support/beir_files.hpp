// Writes a dataset as a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv), so a test
// can train on files it later deletes (the studio must then show everything from the store).
// Grades are rounded to BEIR's integer scores; planted false-positive flags are not written (BEIR
// has none: a config's "noise" injects them).
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/data/dataset.hpp"

namespace multipos::testing {

inline void write_beir_folder(const data::Dataset& dataset, const std::string& directory) {
  std::filesystem::create_directories(directory + "/qrels");
  std::ofstream corpus(directory + "/corpus.jsonl");
  for (std::size_t p = 0; p < dataset.num_passages(); ++p)
    corpus << nlohmann::json{{"_id", dataset.passage_ids[p]}, {"title", ""}, {"text", dataset.passage_texts[p]}}.dump()
           << "\n";
  std::ofstream queries(directory + "/queries.jsonl");
  for (std::size_t q = 0; q < dataset.num_queries(); ++q)
    queries << nlohmann::json{{"_id", dataset.query_ids[q]}, {"text", dataset.query_texts[q]}}.dump() << "\n";
  for (const char* split : {"train", "dev", "test"}) {
    if (dataset.split(split).empty()) continue;
    std::ofstream qrels(directory + "/qrels/" + split + ".tsv");
    qrels << "query-id\tcorpus-id\tscore\n";
    for (int32_t q : dataset.split(split)) {
      for (const data::Judgment& judgment : dataset.judgments[static_cast<std::size_t>(q)]) {
        const long score = std::max(1L, std::lround(judgment.grade));
        qrels << dataset.query_ids[static_cast<std::size_t>(q)] << "\t"
              << dataset.passage_ids[static_cast<std::size_t>(judgment.passage)] << "\t" << score << "\n";
      }
    }
  }
}

}  // namespace multipos::testing
