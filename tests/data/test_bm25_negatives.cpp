#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>

#include "core/data/bm25_negatives.hpp"
#include "core/data/dataset_factory.hpp"
#include "core/util/rng.hpp"
#include "tests/data/data_test_files.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::data::Bm25NegativesOptions;
using multipos::data::Bm25NegativesReport;
using multipos::data::Dataset;
using multipos::data::mine_bm25_negatives;
using multipos::testing::contains;
using multipos::testing::TempDir;
using multipos::testing::write_file;

namespace {

// Query "apple pie recipe" judges p0 and p1; p2 and p3 share a word with it (the lexical
// near-misses BM25 must return); p4 and p5 share none. Query "apple" (dev) shares its id with p5.
Dataset hand_made() {
  Dataset data;
  data.name = "hand made";
  data.label_sources = {"human"};
  data.passage_ids = {"p0", "p1", "p2", "p3", "p4", "apple-q"};
  data.passage_texts = {"apple pie recipe with cinnamon", "an apple pie recipe for beginners", "apple orchard opening hours",
                        "cinnamon roll recipe", "car engine repair manual", "apple apple apple"};
  data.query_ids = {"pie-q", "apple-q"};
  data.query_texts = {"apple pie recipe", "apple"};
  data.judgments = {{{0, 2, 0, false}, {1, 1, 0, false}}, {{2, 1, 0, false}}};
  data.hard_negatives = {{4}, {}};
  data.train_queries = {0};
  data.dev_queries = {1};
  return data;
}

Bm25NegativesOptions in_dir(const TempDir& dir, int top_k = 30) {
  Bm25NegativesOptions options;
  options.top_k = top_k;
  options.cache_dir = dir.file("cache");
  return options;
}

}  // namespace

TEST(Bm25Negatives, LexicalNearMissesNeverPositives) {
  TempDir dir;
  Dataset data = hand_made();
  Bm25NegativesOptions options = in_dir(dir);
  options.use_cache = false;
  const Bm25NegativesReport report = mine_bm25_negatives(data, options);
  EXPECT_EQ(report.queries, 1u) << "train only by default";
  EXPECT_FALSE(report.cache_hit);
  EXPECT_TRUE(report.cache_file.empty());
  // Its own negative p4 first; then BM25's unjudged matches. "recipe" is rarer than "apple", so
  // the cinnamon roll recipe outranks the apple orchard; "apple apple apple" also matches.
  ASSERT_EQ(data.hard_negatives[0].size(), 4u);
  EXPECT_EQ(data.hard_negatives[0][0], 4);
  EXPECT_EQ(std::set<int32_t>(data.hard_negatives[0].begin() + 1, data.hard_negatives[0].end()), (std::set<int32_t>{2, 3, 5}));
  for (int32_t passage : data.hard_negatives[0]) {
    EXPECT_NE(passage, 0) << "a positive became a negative";
    EXPECT_NE(passage, 1) << "a positive became a negative";
  }
  EXPECT_EQ(report.added, 3u);
  EXPECT_TRUE(data.hard_negatives[1].empty()) << "dev is not mined unless asked";
  EXPECT_TRUE(contains(data.notes.back(), "BM25 top-30 unjudged passages for 1 queries (3 added; not cached)"));

  // Every split, top-1, capped lists: the dev query's own id (a passage id too) is excluded, as is its positive p2.
  Dataset all = hand_made();
  options.splits = {};
  options.top_k = 1;
  mine_bm25_negatives(all, options);
  EXPECT_EQ(all.hard_negatives[0].size(), 2u);
  ASSERT_EQ(all.hard_negatives[1].size(), 1u);
  EXPECT_NE(all.hard_negatives[1][0], 5) << "the query's own id";
  EXPECT_NE(all.hard_negatives[1][0], 2) << "the query's positive";

  Dataset capped = hand_made();
  options.splits = {"train"};
  options.top_k = 30;
  options.per_query = 2;
  mine_bm25_negatives(capped, options);
  EXPECT_EQ(capped.hard_negatives[0].size(), 2u);
  EXPECT_EQ(capped.hard_negatives[0][0], 4);

  options.top_k = 0;
  EXPECT_THROW(mine_bm25_negatives(capped, options), std::invalid_argument);
  options.top_k = 3;
  options.splits = {"validation"};
  EXPECT_THROW(mine_bm25_negatives(capped, options), std::invalid_argument);
}

namespace {

// Enough text that building the index and searching costs far more than reading the cache.
Dataset generated(std::size_t passages, std::size_t queries) {
  multipos::util::Rng rng(7);
  Dataset data;
  data.name = "generated";
  auto words = [&](int count) {
    std::string text;
    for (int w = 0; w < count; ++w) text += (w ? " w" : "w") + std::to_string(rng.below(3000));
    return text;
  };
  for (std::size_t p = 0; p < passages; ++p) {
    data.passage_ids.push_back("p" + std::to_string(p));
    data.passage_texts.push_back(words(40));
  }
  for (std::size_t q = 0; q < queries; ++q) {
    data.query_ids.push_back("q" + std::to_string(q));
    data.query_texts.push_back(words(4));
    data.judgments.push_back({{static_cast<int32_t>(rng.below(passages)), 1, 0, false}});
    data.train_queries.push_back(static_cast<int32_t>(q));
  }
  data.hard_negatives.resize(queries);
  return data;
}

}  // namespace

TEST(Bm25Negatives, CacheIsWrittenReusedAndInvalidated) {
  TempDir dir;
  const Bm25NegativesOptions options = in_dir(dir, 10);
  Dataset first = generated(6000, 300);
  const Bm25NegativesReport built = mine_bm25_negatives(first, options);
  EXPECT_FALSE(built.cache_hit);
  EXPECT_EQ(built.cache_file, dir.file("cache/generated.bm25-negatives.bin"));
  EXPECT_TRUE(built.cache_problem.empty()) << built.cache_problem;
  ASSERT_TRUE(std::filesystem::exists(built.cache_file));
  EXPECT_EQ(built.added, 300u * 10u);

  Dataset second = generated(6000, 300);
  const Bm25NegativesReport reused = mine_bm25_negatives(second, options);
  EXPECT_TRUE(reused.cache_hit);
  EXPECT_EQ(second.hard_negatives, first.hard_negatives);
  // cache_hit above is the behaviour; the times are printed for people, never asserted.
  std::cout << "bm25 negatives, 6000 passages x 300 queries: built " << built.seconds << " s, from cache " << reused.seconds << " s\n";
  EXPECT_TRUE(contains(second.notes.back(), "from cache"));

  // A changed passage text, a changed judgment and another k each invalidate the cache.
  Dataset edited = generated(6000, 300);
  edited.passage_texts[17] += " changed";
  EXPECT_FALSE(mine_bm25_negatives(edited, options).cache_hit);
  EXPECT_FALSE(mine_bm25_negatives(second = generated(6000, 300), in_dir(dir, 11)).cache_hit);
  Dataset rejudged = generated(6000, 300);
  rejudged.judgments[3][0].passage = (rejudged.judgments[3][0].passage + 1) % 6000;
  EXPECT_FALSE(mine_bm25_negatives(rejudged, in_dir(dir, 11)).cache_hit);
  // ... and the rebuilt file serves the new key.
  Dataset again = generated(6000, 300);
  again.judgments[3][0].passage = rejudged.judgments[3][0].passage;
  EXPECT_TRUE(mine_bm25_negatives(again, in_dir(dir, 11)).cache_hit);
  EXPECT_EQ(again.hard_negatives, rejudged.hard_negatives);

  // A damaged file is rebuilt, not trusted.
  write_file(built.cache_file, "MPBM25N1 and then garbage");
  Dataset damaged = generated(6000, 300);
  EXPECT_FALSE(mine_bm25_negatives(damaged, in_dir(dir, 11)).cache_hit);
  EXPECT_EQ(damaged.hard_negatives, rejudged.hard_negatives);
}

TEST(Bm25Negatives, DefaultCacheDirFollowsXdgAndFactoryAppliesToEveryKind) {
  TempDir dir;
  // Restores XDG_CACHE_HOME however the test ends, so later tests see the real environment.
  struct XdgGuard {
    bool had = std::getenv("XDG_CACHE_HOME") != nullptr;
    std::string value = had ? std::getenv("XDG_CACHE_HOME") : "";
    ~XdgGuard() { had ? ::setenv("XDG_CACHE_HOME", value.c_str(), 1) : ::unsetenv("XDG_CACHE_HOME"); }
  } guard;
  ::setenv("XDG_CACHE_HOME", dir.path().c_str(), 1);
  EXPECT_EQ(multipos::data::default_cache_dir(), dir.file("multipos"));

  write_file(dir.file("beir/corpus.jsonl"),
             "{\"_id\": \"d1\", \"text\": \"red apple pie\"}\n{\"_id\": \"d2\", \"text\": \"green apple tart\"}\n"
             "{\"_id\": \"d3\", \"text\": \"apple orchard\"}\n{\"_id\": \"d4\", \"text\": \"car repair\"}\n");
  write_file(dir.file("beir/queries.jsonl"), "{\"_id\": \"q1\", \"text\": \"apple pie\"}\n");
  write_file(dir.file("beir/qrels/train.tsv"), "q1\td1\t1\n");
  const nlohmann::json spec = {{"kind", "beir"}, {"path", dir.file("beir")}, {"hard_negatives", {{"kind", "bm25"}, {"top_k", 2}}}};
  Dataset data = multipos::data::load_dataset(spec, "run.json");
  EXPECT_EQ(data.hard_negatives[0].size(), 2u);
  EXPECT_EQ(std::set<int32_t>(data.hard_negatives[0].begin(), data.hard_negatives[0].end()), (std::set<int32_t>{1, 2}));
  EXPECT_TRUE(std::filesystem::exists(dir.file("multipos/beir_beir.bm25-negatives.bin")));

  // Tevatron brings hard negatives of its own: BM25 ones come after them.
  write_file(dir.file("train.jsonl"),
             "{\"query_id\": \"q1\", \"query\": \"apple pie\", \"positive_passages\": [{\"docid\": \"d1\", \"text\": \"apple pie recipe\"}], "
             "\"negative_passages\": [{\"docid\": \"d2\", \"text\": \"car repair\"}]}\n"
             "{\"query_id\": \"q2\", \"query\": \"engine\", \"positive_passages\": [{\"docid\": \"d3\", \"text\": \"engine oil\"}], "
             "\"negative_passages\": [{\"docid\": \"d4\", \"text\": \"apple orchard\"}]}\n");
  Dataset tevatron = multipos::data::load_dataset(
      {{"kind", "tevatron"}, {"path", dir.file("train.jsonl")}, {"hard_negatives", {{"kind", "bm25"}, {"cache", false}}}}, "run.json");
  const auto passage = [&](const std::string& id) {
    return static_cast<int32_t>(std::find(tevatron.passage_ids.begin(), tevatron.passage_ids.end(), id) - tevatron.passage_ids.begin());
  };
  EXPECT_EQ(tevatron.hard_negatives[0], (std::vector<int32_t>{passage("d2"), passage("d4")}));
  EXPECT_EQ(tevatron.hard_negatives[1], (std::vector<int32_t>{passage("d4")})) << "no passage but its positive says 'engine'";

  try {
    multipos::data::load_dataset({{"kind", "synthetic"}, {"hard_negatives", {{"kind", "dense"}}}}, "run.json");
    ADD_FAILURE() << "an unknown hard-negative kind was accepted";
  } catch (const std::exception& error) {
    EXPECT_TRUE(contains(error.what(), "dataset.hard_negatives.kind")) << error.what();
  }
  EXPECT_THROW(multipos::data::load_dataset({{"kind", "synthetic"}, {"hard_negatives", {{"kind", "bm25"}, {"top_k", 0}}}}, "run.json"),
               std::runtime_error);
}
