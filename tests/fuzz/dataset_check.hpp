// The invariants every loaded Dataset keeps, whatever the files held: the trainer and evaluation
// index with these numbers without checking them again.
#pragma once

#include <string>

#include "core/data/dataset.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace multipos::fuzz {

inline void check_dataset(const std::string& target, const data::Dataset& data) {
  const auto fail = [&](const std::string& what) { violation(target, "inconsistent dataset: " + what); };
  if (data.query_texts.size() != data.num_queries()) fail("query_texts");
  if (data.passage_texts.size() != data.num_passages()) fail("passage_texts");
  if (!data.passage_titles.empty() && data.passage_titles.size() != data.num_passages()) fail("passage_titles");
  if (data.judgments.size() != data.num_queries()) fail("judgments");
  if (data.hard_negatives.size() != data.num_queries()) fail("hard_negatives");
  for (const auto& judged : data.judgments)
    for (const auto& j : judged) {
      if (j.passage < 0 || static_cast<std::size_t>(j.passage) >= data.num_passages()) fail("judged passage index");
      if (j.label_source < 0 || static_cast<std::size_t>(j.label_source) >= data.label_sources.size())
        fail("label source index");
      if (!(j.grade > 0)) fail("a positive with grade <= 0");
    }
  for (const auto& negatives : data.hard_negatives)
    for (int32_t n : negatives)
      if (n < 0 || static_cast<std::size_t>(n) >= data.num_passages()) fail("hard negative index");
  std::vector<int> seen(data.num_queries(), 0);
  for (const auto* split : {&data.train_queries, &data.dev_queries, &data.test_queries})
    for (int32_t q : *split) {
      if (q < 0 || static_cast<std::size_t>(q) >= data.num_queries()) fail("split query index");
      if (++seen[static_cast<std::size_t>(q)] > 1) fail("a query in two splits (or twice in one)");
    }
}

}  // namespace multipos::fuzz
