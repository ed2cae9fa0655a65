// Exact search against the brute-force reference: integer-valued data makes every dot product
// exact in float32, so results (ties included) must match bit for bit whatever the chunking.
#include <gtest/gtest.h>

#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>

#include <random>
#include <set>

#include "core/eval/metrics.hpp"
#include "core/eval/search.hpp"

namespace multipos::eval {
namespace {

at::Tensor integer_matrix(std::int64_t rows, std::int64_t cols, int low, int high,
                          std::uint32_t seed) {
  at::Tensor matrix = at::empty({rows, cols}, at::kFloat);
  std::mt19937 generator(seed);
  float* data = matrix.data_ptr<float>();
  for (std::int64_t i = 0; i < rows * cols; ++i) {
    data[i] = static_cast<float>(low + static_cast<int>(generator() % (high - low + 1)));
  }
  return matrix;
}

at::Tensor normal_matrix(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
  at::Tensor matrix = at::empty({rows, cols}, at::kFloat);
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal;
  float* data = matrix.data_ptr<float>();
  for (std::int64_t i = 0; i < rows * cols; ++i) data[i] = normal(generator);
  return matrix;
}

// Ids whose string order is unrelated to row order, so id ties are really exercised.
std::vector<std::string> shuffled_ids(std::size_t count, const std::string& prefix,
                                      std::uint32_t seed) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < count; ++i) ids.push_back(prefix + std::to_string(i * 7919 % 100003));
  std::shuffle(ids.begin(), ids.end(), std::mt19937(seed));
  return ids;
}

void expect_same_results(const SearchResults& got, const SearchResults& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t q = 0; q < got.size(); ++q) {
    ASSERT_EQ(got[q].size(), expected[q].size()) << "query " << q;
    for (std::size_t r = 0; r < got[q].size(); ++r) {
      EXPECT_EQ(got[q][r].doc_index, expected[q][r].doc_index) << "query " << q << " rank " << r;
      EXPECT_EQ(got[q][r].score, expected[q][r].score) << "query " << q << " rank " << r;
    }
  }
}

TEST(Search, MatchesBruteForceWithManyTiesAcrossChunkSizes) {
  // Values in [-1, 1] over 8 dims give few distinct scores: ties everywhere.
  const at::Tensor queries = integer_matrix(37, 8, -1, 1, 1);
  const at::Tensor corpus = integer_matrix(1000, 8, -1, 1, 2);
  const auto corpus_ids = shuffled_ids(1000, "doc", 3);
  SearchOptions options;
  options.k = 50;
  const SearchResults reference = brute_force_search(queries, corpus, options, {}, corpus_ids);
  for (std::size_t budget : {std::size_t{1}, std::size_t{4096}, std::size_t{64} << 20}) {
    options.score_budget_bytes = budget;
    expect_same_results(exact_search(queries, corpus, options, {}, corpus_ids), reference);
  }
}

TEST(Search, TiesRankByIdDescendingOrRowDescendingWithoutIds) {
  const at::Tensor corpus = integer_matrix(5, 4, 1, 1, 0);  // five identical rows
  const at::Tensor queries = integer_matrix(1, 4, 1, 1, 0);
  SearchOptions options;
  options.k = 5;
  const std::vector<std::string> ids = {"b", "a10", "a9", "c", "B"};
  const auto by_id = exact_search(queries, corpus, options, {}, ids);
  std::vector<std::string> order;
  for (const Hit& hit : by_id[0]) order.push_back(ids[hit.doc_index]);
  EXPECT_EQ(order, (std::vector<std::string>{"c", "b", "a9", "a10", "B"}));
  const auto by_row = exact_search(queries, corpus, options);
  for (std::size_t r = 0; r < 5; ++r) EXPECT_EQ(by_row[0][r].doc_index, 4 - static_cast<std::int64_t>(r));
}

TEST(Search, IgnoresIdenticalIdsWhenAsked) {
  const at::Tensor corpus = integer_matrix(300, 6, -3, 3, 11);
  // Queries are copies of corpus rows, so each one's own document would rank first.
  const at::Tensor queries = corpus.narrow(0, 100, 20).clone();
  std::vector<std::string> corpus_ids;
  for (int i = 0; i < 300; ++i) corpus_ids.push_back("d" + std::to_string(i));
  std::vector<std::string> query_ids(corpus_ids.begin() + 100, corpus_ids.begin() + 120);
  query_ids[3] = "not-in-corpus";
  SearchOptions options;
  options.k = 10;
  options.score_budget_bytes = 2048;
  options.ignore_identical_ids = true;
  const auto results = exact_search(queries, corpus, options, query_ids, corpus_ids);
  expect_same_results(results, brute_force_search(queries, corpus, options, query_ids, corpus_ids));
  for (std::size_t q = 0; q < results.size(); ++q) {
    for (const Hit& hit : results[q]) EXPECT_NE(corpus_ids[hit.doc_index], query_ids[q]);
  }
  options.ignore_identical_ids = false;
  const auto kept = exact_search(queries, corpus, options, query_ids, corpus_ids);
  EXPECT_EQ(corpus_ids[kept[0][0].doc_index], "d100");  // self-match is the best dot product
}

TEST(Search, CosineMatchesReferenceOnContinuousData) {
  const at::Tensor queries = normal_matrix(16, 32, 5);
  const at::Tensor corpus = normal_matrix(700, 32, 6);
  SearchOptions options;
  options.similarity = Similarity::cosine;
  options.k = 20;
  options.score_budget_bytes = 16 * 100 * sizeof(float);
  const auto got = exact_search(queries, corpus, options);
  const auto expected = brute_force_search(queries, corpus, options);
  for (std::size_t q = 0; q < got.size(); ++q) {
    ASSERT_EQ(got[q].size(), 20u);
    for (std::size_t r = 0; r < got[q].size(); ++r) {
      EXPECT_EQ(got[q][r].doc_index, expected[q][r].doc_index);
      EXPECT_NEAR(got[q][r].score, expected[q][r].score, 1e-5);
      EXPECT_LE(got[q][r].score, 1.0f + 1e-6f);
    }
  }
}

TEST(Search, KLargerThanCorpusReturnsEveryDocumentSorted) {
  const at::Tensor corpus = integer_matrix(7, 3, -5, 5, 9);
  const at::Tensor queries = integer_matrix(2, 3, -5, 5, 10);
  SearchOptions options;
  options.k = 1000;
  const auto results = exact_search(queries, corpus, options);
  for (const auto& hits : results) {
    ASSERT_EQ(hits.size(), 7u);
    std::set<std::int64_t> rows;
    for (std::size_t r = 0; r < hits.size(); ++r) {
      rows.insert(hits[r].doc_index);
      if (r > 0) {
        EXPECT_GE(hits[r - 1].score, hits[r].score);
      }
    }
    EXPECT_EQ(rows.size(), 7u);
  }
  expect_same_results(results, brute_force_search(queries, corpus, options));
}

TEST(Search, RejectsBadInputs) {
  const at::Tensor corpus = integer_matrix(4, 3, 0, 1, 1);
  const at::Tensor queries = integer_matrix(2, 3, 0, 1, 2);
  SearchOptions options;
  EXPECT_THROW(exact_search(integer_matrix(2, 4, 0, 1, 2), corpus, options), std::invalid_argument);
  EXPECT_THROW(exact_search(queries.to(at::kDouble), corpus, options), std::invalid_argument);
  at::Tensor with_nan = corpus.clone();
  with_nan.data_ptr<float>()[5] = std::nanf("");
  EXPECT_THROW(exact_search(queries, with_nan, options), std::invalid_argument);
  EXPECT_THROW(exact_search(queries, corpus, options, {}, {"a", "b", "a", "c"}),
               std::invalid_argument);
  EXPECT_THROW(exact_search(queries, corpus, options, {}, {"a", "b"}), std::invalid_argument);
  options.ignore_identical_ids = true;
  EXPECT_THROW(exact_search(queries, corpus, options, {}, {"a", "b", "c", "d"}),
               std::invalid_argument);
  options = SearchOptions{};
  options.k = 0;
  EXPECT_THROW(exact_search(queries, corpus, options), std::invalid_argument);
}

TEST(Search, ResultsBecomeARunThatEvaluates) {
  const at::Tensor corpus = integer_matrix(50, 4, -2, 2, 21);
  const at::Tensor queries = corpus.narrow(0, 0, 3).clone();
  const auto corpus_ids = shuffled_ids(50, "d", 22);
  const std::vector<std::string> query_ids = {"q0", "q1", "q2"};
  SearchOptions options;
  options.k = 10;
  const auto results = exact_search(queries, corpus, options, query_ids, corpus_ids);
  const eval::Run run = to_run(results, query_ids, corpus_ids);
  ASSERT_EQ(run.size(), 3u);
  ASSERT_EQ(run.at("q1").size(), 10u);
  // Re-sorting the run by trec_eval's rule must reproduce the search order.
  std::vector<RunEntry> resorted = run.at("q1");
  sort_trec_order(resorted);
  for (std::size_t r = 0; r < resorted.size(); ++r) {
    EXPECT_EQ(resorted[r].doc_id, corpus_ids[results[1][r].doc_index]);
  }
  // Judging each query's third hit relevant must give reciprocal rank 1/3 through the run.
  Qrels qrels;
  for (int q = 0; q < 3; ++q) qrels[query_ids[q]][corpus_ids[results[q][2].doc_index]] = 1;
  const Evaluation evaluation = evaluate(qrels, run, parse_measures({"recip_rank"}));
  EXPECT_DOUBLE_EQ(evaluation.mean_of("recip_rank"), 1.0 / 3.0);
  EXPECT_THROW(to_run(results, {"q0"}, corpus_ids), std::invalid_argument);
}

}  // namespace
}  // namespace multipos::eval
