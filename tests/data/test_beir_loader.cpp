#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "core/data/beir_loader.hpp"
#include "tests/data/data_test_files.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::data::BeirOptions;
using multipos::data::Dataset;
using multipos::data::load_beir;
using multipos::data::LoadReport;
using multipos::testing::contains;
using multipos::testing::data_error;
using multipos::testing::TempDir;
using multipos::testing::write_file;

namespace {

const char* kCorpus =
    "{\"_id\": \"d1\", \"title\": \"Alpha\", \"text\": \"first passage\"}\n"
    "{\"_id\": \"d2\", \"title\": \"\", \"text\": \"second passage\"}\n"
    "{\"_id\": \"d3\", \"text\": \"third passage\", \"metadata\": {}}\n"
    "\n"
    "{\"_id\": 4, \"title\": \"Four\", \"text\": \"numeric id\"}\n";
const char* kQueries =
    "{\"_id\": \"q1\", \"text\": \"query one\"}\n"
    "{\"_id\": \"q2\", \"text\": \"query two\"}\n"
    "{\"_id\": \"q3\", \"text\": \"query three\"}\n";
const char* kTrain = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq1\td3\t0\nq1\t4\t2\n";
const char* kTest = "q2\td3\t1\r\nq2\td1\t0\r\n";

// A valid BEIR directory; tests overwrite one file to plant a fault.
struct BeirFixture {
  TempDir dir;
  BeirFixture() {
    write_file(dir.file("corpus.jsonl"), kCorpus);
    write_file(dir.file("queries.jsonl"), kQueries);
    write_file(dir.file("qrels/train.tsv"), kTrain);
    write_file(dir.file("qrels/test.tsv"), kTest);
  }
  std::string path() const { return dir.path().string(); }
  std::string error_with(const std::string& file, const std::string& content, BeirOptions options = {}) {
    write_file(dir.file(file), content);
    return data_error([&] { load_beir(path(), options); });
  }
};

int32_t passage_index(const Dataset& data, const std::string& id) {
  for (size_t i = 0; i < data.passage_ids.size(); ++i)
    if (data.passage_ids[i] == id) return static_cast<int32_t>(i);
  return -1;
}

}  // namespace

TEST(BeirLoader, ReadsCorpusQueriesAndSplits) {
  BeirFixture fixture;
  Dataset data = load_beir(fixture.path());
  ASSERT_EQ(data.num_passages(), 4u);
  EXPECT_EQ(data.passage_ids, (std::vector<std::string>{"d1", "d2", "d3", "4"}));
  EXPECT_EQ(data.passage_texts[0], "Alpha first passage");
  EXPECT_EQ(data.passage_texts[1], "second passage");  // an empty title adds no leading space
  EXPECT_EQ(data.passage_titles[0], "Alpha");
  ASSERT_EQ(data.num_queries(), 3u);
  EXPECT_EQ(data.query_texts[1], "query two");
  EXPECT_EQ(data.train_queries, std::vector<int32_t>{0});
  EXPECT_TRUE(data.dev_queries.empty());
  EXPECT_EQ(data.test_queries, std::vector<int32_t>{1});  // q3 is judged nowhere: in no split
  EXPECT_EQ(data.label_sources, std::vector<std::string>{"human"});
  ASSERT_EQ(data.hard_negatives.size(), 3u);
  EXPECT_TRUE(data.hard_negatives[0].empty());

  // Grade > 0 only, highest first, ties in file order: d2 (2), 4 (2), d1 (1); d3 (0) is no positive.
  const auto& judged = data.judgments[0];
  ASSERT_EQ(judged.size(), 3u);
  EXPECT_EQ(judged[0].passage, passage_index(data, "d2"));
  EXPECT_EQ(judged[1].passage, passage_index(data, "4"));
  EXPECT_EQ(judged[2].passage, passage_index(data, "d1"));
  EXPECT_FLOAT_EQ(judged[0].grade, 2);
  EXPECT_FLOAT_EQ(judged[2].grade, 1);
  ASSERT_EQ(data.judgments[1].size(), 1u);
  EXPECT_EQ(data.judgments[1][0].passage, passage_index(data, "d3"));
  EXPECT_TRUE(data.judgments[2].empty());
}

TEST(BeirLoader, MissingSplitIsFineUnlessRequired) {
  BeirFixture fixture;
  BeirOptions options;
  options.require_splits = {"train", "test"};
  EXPECT_NO_THROW(load_beir(fixture.path(), options));
  options.require_splits = {"dev"};
  std::string error = data_error([&] { load_beir(fixture.path(), options); });
  EXPECT_TRUE(contains(error, fixture.dir.file("qrels/dev.tsv") + ": field 'split': split 'dev' was asked for")) << error;
  std::filesystem::remove(fixture.dir.file("qrels/train.tsv"));
  std::filesystem::remove(fixture.dir.file("qrels/test.tsv"));
  EXPECT_TRUE(contains(data_error([&] { load_beir(fixture.path()); }), "no qrels file"));
  EXPECT_TRUE(contains(data_error([&] { load_beir(fixture.dir.file("nowhere")); }), "cannot open"));
}

TEST(BeirLoader, CorpusErrorsNameFileLineAndField) {
  BeirFixture f;
  const std::string corpus = f.dir.file("corpus.jsonl");
  const std::string good = "{\"_id\": \"d1\", \"text\": \"a\"}\n";
  EXPECT_TRUE(contains(f.error_with("corpus.jsonl", good + "{\"_id\": \"d2\", \"text\": \n"), corpus + ":2: field 'json': malformed JSON"));
  EXPECT_TRUE(contains(f.error_with("corpus.jsonl", good + "[1, 2]\n"), corpus + ":2: field 'json': expected a JSON object"));
  EXPECT_TRUE(contains(f.error_with("corpus.jsonl", good + "{\"text\": \"b\"}\n"), corpus + ":2: field '_id': missing"));
  EXPECT_TRUE(contains(f.error_with("corpus.jsonl", good + "{\"_id\": [1], \"text\": \"b\"}\n"), corpus + ":2: field '_id': expected a string id"));
  EXPECT_TRUE(contains(f.error_with("corpus.jsonl", good + "\n{\"_id\": \"d1\", \"text\": \"b\"}\n"),
                       corpus + ":3: field '_id': duplicate id 'd1' (first defined at line 1)"));
  EXPECT_TRUE(contains(f.error_with("corpus.jsonl", good + "{\"_id\": \"d2\", \"title\": \"\", \"text\": \"  \"}\n"),
                       corpus + ":2: field 'text': empty text"));
  EXPECT_TRUE(contains(f.error_with("corpus.jsonl", good + "{\"_id\": \"d2\", \"text\": 7}\n"), corpus + ":2: field 'text': expected a string"));
}

TEST(BeirLoader, QueryErrorsNameFileLineAndField) {
  BeirFixture f;
  const std::string queries = f.dir.file("queries.jsonl");
  EXPECT_TRUE(contains(f.error_with("queries.jsonl", "{\"_id\": \"q1\"}\n"), queries + ":1: field 'text': missing"));
  EXPECT_TRUE(contains(f.error_with("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"a\"}\n{\"_id\": \"q2\", \"text\": \"\"}\n"),
                       queries + ":2: field 'text': empty text for query 'q2'"));
  EXPECT_TRUE(contains(f.error_with("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"a\"}\n{\"_id\": \"q1\", \"text\": \"b\"}\n"),
                       queries + ":2: field '_id': duplicate id 'q1' (first defined at line 1)"));
}

TEST(BeirLoader, QrelsErrorsNameFileLineAndField) {
  BeirFixture f;
  const std::string train = f.dir.file("qrels/train.tsv");
  const std::string header = "query-id\tcorpus-id\tscore\n";
  EXPECT_TRUE(contains(f.error_with("qrels/train.tsv", header + "q1\td1\t1\nqX\td1\t1\n"), train + ":3: field 'query-id': unknown query 'qX'"));
  EXPECT_TRUE(contains(f.error_with("qrels/train.tsv", header + "q1\tdX\t1\n"), train + ":2: field 'corpus-id': unknown document 'dX'"));
  EXPECT_TRUE(contains(f.error_with("qrels/train.tsv", header + "q1\td1\t1.5\n"), train + ":2: field 'score': expected an integer, got '1.5'"));
  EXPECT_TRUE(contains(f.error_with("qrels/train.tsv", "q1\td1\tgood\n"), train + ":1: field 'score'")) << "only the BEIR header is a header";
  EXPECT_TRUE(contains(f.error_with("qrels/train.tsv", header + "q1 d1 1\n"), train + ":2: field 'line': expected 3 tab-separated fields"));
  EXPECT_TRUE(contains(f.error_with("qrels/train.tsv", header + "q1\td1\t1\nq1\td1\t2\n"),
                       train + ":3: field 'corpus-id': document 'd1' is judged twice for query 'q1' (first at line 2)"));
  // q2 is judged in test.tsv, read after train.tsv.
  EXPECT_TRUE(contains(f.error_with("qrels/train.tsv", "q2\td1\t1\n"),
                       f.dir.file("qrels/test.tsv") + ":1: field 'query-id': query 'q2' is already judged in split 'train'"));
}

TEST(BeirLoader, LenientModeSkipsBadLinesAndCountsThem) {
  BeirFixture f;
  write_file(f.dir.file("corpus.jsonl"), std::string(kCorpus) + "not json\n{\"_id\": \"d1\", \"text\": \"again\"}\n{\"text\": \"x\"}\n");
  write_file(f.dir.file("qrels/train.tsv"), std::string(kTrain) + "qX\td1\t1\nq1\tdX\t1\nq1\td3\tnope\n");
  BeirOptions options;
  options.lenient = true;
  LoadReport report;
  Dataset data = load_beir(f.path(), options, &report);
  EXPECT_EQ(data.num_passages(), 4u);
  EXPECT_EQ(report.skipped, 6u);
  EXPECT_EQ(report.skipped_by_field["json"], 1u);
  EXPECT_EQ(report.skipped_by_field["_id"], 2u);
  EXPECT_EQ(report.skipped_by_field["query-id"], 1u);
  EXPECT_EQ(report.skipped_by_field["corpus-id"], 1u);
  EXPECT_EQ(report.skipped_by_field["score"], 1u);
  EXPECT_EQ(report.skipped_reasons.size(), 6u);
  EXPECT_EQ(data.judgments[0].size(), 3u) << "the good judgments are all kept";
  bool noted = false;
  for (const auto& note : data.notes) noted = noted || note.find("skipped 6 of") != std::string::npos;
  EXPECT_TRUE(noted);
  options.lenient = false;
  EXPECT_THROW(load_beir(f.path(), options), multipos::data::DataError);
}

TEST(BeirLoader, DbpediaSliceFromSharedData) {
  const std::string dir = std::string(MULTIPOS_SHARED_DATA_DIR) + "/beir-dbpedia-entity-5k";
  if (!std::filesystem::exists(dir + "/corpus.jsonl"))
    GTEST_SKIP() << "shared data not found at " << dir << " (the DBPedia slice lives beside the project)";
  const auto started = std::chrono::steady_clock::now();
  LoadReport report;
  Dataset data = load_beir(dir, {}, &report);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("DBPedia slice loaded in %.3f s\n", seconds);
  EXPECT_EQ(data.num_passages(), 5000u);
  EXPECT_EQ(data.num_queries(), 50u);
  EXPECT_EQ(report.skipped, 0u);
  EXPECT_TRUE(data.train_queries.empty());
  EXPECT_EQ(data.test_queries.size(), 40u) << "10 of the 50 queries are judged nowhere";
  size_t positives = 0, with_positives = 0;
  std::set<int32_t> passages;
  for (int32_t q : data.test_queries) {
    const auto& judged = data.judgments[static_cast<size_t>(q)];
    positives += judged.size();
    with_positives += !judged.empty();
    for (size_t i = 1; i < judged.size(); ++i) EXPECT_GE(judged[i - 1].grade, judged[i].grade);
  }
  EXPECT_EQ(with_positives, 40u);
  EXPECT_EQ(positives, 880u);  // of 3,709 judgments; the others have score 0
  EXPECT_EQ(report.records, 5000u + 50u + 3709u);
  EXPECT_EQ(report.lines, 5000u + 50u + 3710u);  // the qrels header line included
}
