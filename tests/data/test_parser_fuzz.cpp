// Bounded, seeded fuzzing of the data parsers: random byte mutations of valid files must end in a
// dataset that holds together or a DataError, never a crash or another exception type.
#include <gtest/gtest.h>

#include <functional>

#include "core/data/beir_loader.hpp"
#include "core/data/tevatron_loader.hpp"
#include "core/data/wordnet.hpp"
#include "core/util/rng.hpp"
#include "tests/data/data_test_files.hpp"
#include "tests/support/temp_dir.hpp"

using namespace multipos::data;
using multipos::testing::TempDir;
using multipos::testing::write_file;
using multipos::util::Rng;

namespace {

constexpr int kIterations = 2000;

std::string mutate(std::string text, Rng& rng) {
  static const char kInteresting[] = {'"', '{', '}', '[', ']', ',', ':', '\t', '\n', ' ', '\\', '0', '~', '|', '\0', '\xff', '\xc3'};
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    const size_t at = text.empty() ? 0 : rng.below(text.size());
    const char byte = rng.bernoulli(0.5) ? kInteresting[rng.below(sizeof kInteresting)] : static_cast<char>(rng.below(256));
    switch (rng.below(5)) {
      case 0: if (!text.empty()) text[at] = byte; break;
      case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), byte); break;
      case 2: if (!text.empty()) text.erase(at, 1 + rng.below(8)); break;
      case 3: text.insert(at, text.substr(rng.below(text.size() + 1), rng.below(40))); break;  // duplicate a chunk
      default: text = text.substr(0, at); break;                                                 // truncate
    }
  }
  return text;
}

void expect_consistent(const Dataset& data) {
  ASSERT_EQ(data.query_texts.size(), data.num_queries());
  ASSERT_EQ(data.passage_texts.size(), data.num_passages());
  ASSERT_EQ(data.judgments.size(), data.num_queries());
  ASSERT_EQ(data.hard_negatives.size(), data.num_queries());
  for (const auto& judged : data.judgments)
    for (const auto& j : judged) {
      ASSERT_GE(j.passage, 0);
      ASSERT_LT(static_cast<size_t>(j.passage), data.num_passages());
      ASSERT_LT(static_cast<size_t>(j.label_source), data.label_sources.size());
    }
  for (const auto& negatives : data.hard_negatives)
    for (int32_t n : negatives) ASSERT_LT(static_cast<size_t>(n), data.num_passages());
  for (const auto* split : {&data.train_queries, &data.dev_queries, &data.test_queries})
    for (int32_t q : *split) ASSERT_LT(static_cast<size_t>(q), data.num_queries());
}

// Runs `load` on `kIterations` mutations; returns how many loads failed with a DataError.
int fuzz(const std::vector<std::pair<std::string, std::string>>& files, uint64_t seed,
         const std::function<Dataset(bool lenient)>& load) {
  Rng rng(seed);
  int errors = 0;
  for (int i = 0; i < kIterations; ++i) {
    const size_t which = rng.below(files.size());
    for (size_t f = 0; f < files.size(); ++f)
      write_file(files[f].first, f == which ? mutate(files[f].second, rng) : files[f].second);
    for (bool lenient : {false, true}) {
      try {
        Dataset data = load(lenient);
        expect_consistent(data);
        if (::testing::Test::HasFatalFailure()) return errors;
      } catch (const DataError&) {
        ++errors;
      } catch (const std::exception& error) {
        ADD_FAILURE() << "iteration " << i << ": unexpected exception type: " << error.what();
        return errors;
      }
    }
  }
  return errors;
}

}  // namespace

TEST(ParserFuzz, BeirLoaderNeverCrashes) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> files = {
      {dir.file("corpus.jsonl"),
       "{\"_id\": \"d1\", \"title\": \"Alpha\", \"text\": \"first\"}\n{\"_id\": \"d2\", \"text\": \"second\"}\n"
       "{\"_id\": 3, \"title\": \"T\", \"text\": \"third \\u00e9\"}\n"},
      {dir.file("queries.jsonl"), "{\"_id\": \"q1\", \"text\": \"one\"}\n{\"_id\": \"q2\", \"text\": \"two\"}\n"},
      {dir.file("qrels/train.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq1\t3\t0\n"},
      {dir.file("qrels/test.tsv"), "q2\td2\t1\nq2\t3\t2\n"}};
  const int errors = fuzz(files, 1, [&](bool lenient) {
    BeirOptions options;
    options.lenient = lenient;
    return load_beir(dir.path().string(), options);
  });
  EXPECT_GT(errors, 0) << "mutations should break some files";
}

TEST(ParserFuzz, TevatronLoaderNeverCrashes) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> files = {
      {dir.file("train.jsonl"),
       "{\"query_id\": \"q1\", \"query\": \"alpha\", \"positive_passages\": [{\"docid\": \"p1\", \"title\": \"A\", \"text\": \"a\", "
       "\"grade\": 2}, {\"docid\": \"p2\", \"text\": \"b\", \"label_source\": \"llm\"}], \"negative_passages\": [{\"docid\": \"n1\", "
       "\"text\": \"n\"}]}\n"
       "{\"query_id\": 2, \"query\": \"beta\", \"positive_passages\": [{\"docid\": \"p1\", \"title\": \"A\", \"text\": \"a\"}]}\n"},
      {dir.file("dev.jsonl"), "{\"query_id\": \"d\", \"query\": \"dev\", \"positive_passages\": [{\"docid\": \"p3\", \"text\": \"c\"}]}\n"}};
  const int errors = fuzz(files, 2, [&](bool lenient) {
    TevatronOptions options;
    options.lenient = lenient;
    options.dev_file = dir.file("dev.jsonl");
    return load_tevatron(dir.file("train.jsonl"), options);
  });
  EXPECT_GT(errors, 0);
}

TEST(ParserFuzz, WordNetReaderNeverCrashes) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> files = {
      {dir.file("data.noun"),
       "  1 licence\n"
       "00000001 03 n 01 entity 0 003 ~ 00000002 n 0000 ~ 00000003 n 0000 ~ 00000004 n 0000 | that which exists  \n"
       "00000002 03 n 02 animal 0 beast 0 002 @ 00000001 n 0000 ~ 00000005 n 0000 | a living organism; \"x\"  \n"
       "00000003 03 n 01 plant 0 001 @ 00000001 n 0000 | a plant  \n"
       "00000004 03 n 01 thing 0 001 @ 00000001 n 0000 | a thing  \n"
       "00000005 05 n 01 dog 0 001 @ 00000002 n 0000 | a dog  \n"}};
  const int errors = fuzz(files, 3, [&](bool) {
    WordNetConfig config;
    config.directory = dir.path().string();
    config.min_hyponyms = 1;
    return make_wordnet(config);
  });
  EXPECT_GT(errors, 0);
}
