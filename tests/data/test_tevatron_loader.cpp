#include <gtest/gtest.h>

#include "core/data/tevatron_loader.hpp"
#include "tests/data/data_test_files.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::data::Dataset;
using multipos::data::load_tevatron;
using multipos::data::LoadReport;
using multipos::data::TevatronOptions;
using multipos::testing::contains;
using multipos::testing::data_error;
using multipos::testing::TempDir;
using multipos::testing::write_file;

namespace {

// Line 1: two graded positives (one LLM-labelled) and two negatives, one of which repeats a
// positive. Line 2 reuses passage p1 with the same text and brings an ungraded positive.
const char* kTrain =
    "{\"query_id\": \"q1\", \"query\": \"what is alpha\", "
    "\"positive_passages\": [{\"docid\": \"p1\", \"title\": \"Alpha\", \"text\": \"alpha text\", \"grade\": 1},"
    " {\"docid\": \"p2\", \"title\": \"\", \"text\": \"beta text\", \"grade\": 3, \"label_source\": \"llm\"}],"
    " \"negative_passages\": [{\"docid\": \"n1\", \"text\": \"noise\"}, {\"docid\": \"p1\", \"title\": \"Alpha\", \"text\": \"alpha text\"},"
    " {\"docid\": \"n1\", \"text\": \"noise\"}]}\n"
    "\n"
    "{\"query_id\": 7, \"query\": \"seven\", \"positive_passages\": [{\"docid\": \"p3\", \"text\": \"gamma\"},"
    " {\"docid\": \"p1\", \"title\": \"Alpha\", \"text\": \"alpha text\"}]}\n";

const char* kDev = "{\"query_id\": \"d1\", \"query\": \"dev query\", \"positive_passages\": [{\"docid\": \"p9\", \"text\": \"nine\"}]}\n";

std::string line_with(const std::string& positives, const std::string& extra = "") {
  return "{\"query_id\": \"qx\", \"query\": \"x\", \"positive_passages\": " + positives + extra + "}\n";
}

}  // namespace

TEST(TevatronLoader, ReadsQueriesPassagesAndHardNegatives) {
  TempDir dir;
  write_file(dir.file("train.jsonl"), kTrain);
  write_file(dir.file("dev.jsonl"), kDev);
  TevatronOptions options;
  options.dev_file = dir.file("dev.jsonl");
  Dataset data = load_tevatron(dir.file("train.jsonl"), options);
  EXPECT_EQ(data.query_ids, (std::vector<std::string>{"q1", "7", "d1"}));
  EXPECT_EQ(data.passage_ids, (std::vector<std::string>{"p1", "p2", "n1", "p3", "p9"}));
  EXPECT_EQ(data.passage_texts[0], "Alpha alpha text");
  EXPECT_EQ(data.passage_titles[0], "Alpha");
  EXPECT_EQ(data.train_queries, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(data.dev_queries, std::vector<int32_t>{2});
  EXPECT_TRUE(data.test_queries.empty());

  ASSERT_EQ(data.judgments[0].size(), 2u);
  EXPECT_EQ(data.judgments[0][0].passage, 1) << "grade 3 before grade 1";
  EXPECT_FLOAT_EQ(data.judgments[0][0].grade, 3);
  EXPECT_EQ(data.label_sources[static_cast<size_t>(data.judgments[0][0].label_source)], "llm");
  EXPECT_EQ(data.label_sources[static_cast<size_t>(data.judgments[0][1].label_source)], "human");
  EXPECT_EQ(data.hard_negatives[0], std::vector<int32_t>{2}) << "deduplicated, positives removed";
  ASSERT_EQ(data.judgments[1].size(), 2u);
  EXPECT_FLOAT_EQ(data.judgments[1][0].grade, 1) << "grade defaults to 1";
  EXPECT_EQ(data.judgments[1][1].passage, 0) << "p1 is interned once";
  EXPECT_TRUE(data.hard_negatives[1].empty());
}

TEST(TevatronLoader, ErrorsNameFileLineAndField) {
  TempDir dir;
  const std::string file = dir.file("train.jsonl");
  auto error_for = [&](const std::string& content) {
    write_file(file, content);
    return data_error([&] { load_tevatron(file); });
  };
  const std::string good = line_with("[{\"docid\": \"p1\", \"text\": \"one\"}]");
  EXPECT_TRUE(contains(error_for(good + "{oops\n"), file + ":2: field 'json': malformed JSON"));
  EXPECT_TRUE(contains(error_for("{\"query\": \"x\", \"positive_passages\": []}\n"), file + ":1: field 'query_id': missing"));
  EXPECT_TRUE(contains(error_for("{\"query_id\": \"a\", \"query\": \"\", \"positive_passages\": []}\n"), file + ":1: field 'query': empty text"));
  EXPECT_TRUE(contains(error_for("{\"query_id\": \"a\", \"query\": \"x\"}\n"), file + ":1: field 'positive_passages': missing"));
  EXPECT_TRUE(contains(error_for(line_with("[]")), file + ":1: field 'positive_passages': no positives"));
  EXPECT_TRUE(contains(error_for(line_with("{}")), file + ":1: field 'positive_passages': expected an array"));
  EXPECT_TRUE(contains(error_for(line_with("[{\"docid\": \"p1\", \"text\": \"one\"}, {\"text\": \"two\"}]")),
                       file + ":1: field 'positive_passages[1].docid': missing"));
  EXPECT_TRUE(contains(error_for(line_with("[{\"docid\": \"p1\", \"text\": \"\"}]")), file + ":1: field 'positive_passages[0].text': empty text"));
  EXPECT_TRUE(contains(error_for(line_with("[{\"docid\": \"p1\", \"text\": \"a\", \"grade\": \"high\"}]")),
                       file + ":1: field 'positive_passages[0].grade': expected a number"));
  EXPECT_TRUE(contains(error_for(line_with("[{\"docid\": \"p1\", \"text\": \"a\", \"grade\": 0}]")),
                       file + ":1: field 'positive_passages[0].grade': a positive needs a grade > 0"));
  EXPECT_TRUE(contains(error_for(line_with("[{\"docid\": \"p1\", \"text\": \"a\"}]", ", \"negative_passages\": [{\"docid\": \"n\", \"text\": 3}]")),
                       file + ":1: field 'negative_passages[0].text': expected a string"));
  EXPECT_TRUE(contains(error_for(good + good), file + ":2: field 'query_id': duplicate query 'qx' (first at " + file + ":1)"));
  // The same docid with a different text names both places.
  const std::string other = "{\"query_id\": \"qy\", \"query\": \"y\", \"positive_passages\": [{\"docid\": \"p1\", \"text\": \"changed\"}]}\n";
  EXPECT_TRUE(contains(error_for(good + "\n" + other),
                       file + ":3: field 'positive_passages[0].text': docid 'p1' has a different text than at " + file + ":1"));
  EXPECT_TRUE(contains(error_for(line_with("[{\"docid\": \"p1\", \"text\": \"a\"}, {\"docid\": \"p1\", \"text\": \"b\"}]")),
                       file + ":1: field 'positive_passages[1].text': docid 'p1' has a different text than positive_passages[0]"));
}

TEST(TevatronLoader, LenientModeSkipsWholeLines) {
  TempDir dir;
  const std::string file = dir.file("train.jsonl");
  const std::string other = "{\"query_id\": \"qy\", \"query\": \"y\", \"positive_passages\": [{\"docid\": \"p1\", \"text\": \"changed\"},"
                            " {\"docid\": \"p2\", \"text\": \"new\"}]}\n";
  write_file(file, std::string(kTrain) + "garbage\n" + other + line_with("[]"));
  TevatronOptions options;
  options.lenient = true;
  LoadReport report;
  Dataset data = load_tevatron(file, options, &report);
  EXPECT_EQ(report.skipped, 3u);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.skipped_by_field["json"], 1u);
  EXPECT_EQ(report.skipped_by_field["positive_passages[0].text"], 1u);
  EXPECT_EQ(report.skipped_by_field["positive_passages"], 1u);
  EXPECT_EQ(data.num_queries(), 2u);
  EXPECT_EQ(data.num_passages(), 4u) << "the skipped line's new passage p2 was not half-added";
  EXPECT_EQ(data.hard_negatives.size(), data.num_queries());
}
