#include <gtest/gtest.h>

#include <filesystem>

#include "core/data/dataset_factory.hpp"
#include "core/data/msmarco_loader.hpp"
#include "core/data/trec_loader.hpp"
#include "tests/data/data_test_files.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::data::Dataset;
using multipos::data::load_dataset;
using multipos::data::load_msmarco;
using multipos::data::load_trec;
using multipos::data::LoadReport;
using multipos::data::MsMarcoOptions;
using multipos::data::TrecFiles;
using multipos::data::TrecOptions;
using multipos::testing::contains;
using multipos::testing::data_error;
using multipos::testing::TempDir;
using multipos::testing::write_file;

namespace {

// pid 3 has a title column (Tevatron's corpus.tsv layout); the rest are MS MARCO's two columns.
const char* kCollection = "0\tthe manhattan project\n1\tatomic bombs in 1945\n\n2\tcoffee grows on trees\n3\tBeans\tcoffee beans roasted\n";
const char* kTrainQueries = "100\twhat was the manhattan project\n101\twhere does coffee grow\n102\tnobody judged me\n";
const char* kDevQueries = "200\tcoffee roasting\n";
// TREC 4 columns, tab- and space-separated lines mixed, rel 0 is judged but no positive.
const char* kTrainQrels = "100\t0\t1\t1\n100 0 0 2\n101  0  2  1\n101\t0\t0\t0\n";
const char* kDevQrels = "200 Q0 3 1\r\n";

struct MsMarcoFixture {
  TempDir dir;
  MsMarcoFixture() {
    write_file(dir.file("collection.tsv"), kCollection);
    write_file(dir.file("queries.train.tsv"), kTrainQueries);
    write_file(dir.file("qrels.train.tsv"), kTrainQrels);
    write_file(dir.file("queries.dev.tsv"), kDevQueries);
    write_file(dir.file("qrels.dev.tsv"), kDevQrels);
  }
  std::string path() const { return dir.path().string(); }
  std::string error_with(const std::string& file, const std::string& content, MsMarcoOptions options = {}) {
    write_file(dir.file(file), content);
    return data_error([&] { load_msmarco(path(), options); });
  }
};

}  // namespace

TEST(MsMarcoLoader, ReadsCollectionQueriesAndQrels) {
  MsMarcoFixture fixture;
  LoadReport report;
  Dataset data = load_msmarco(fixture.path(), {}, &report);
  EXPECT_EQ(data.passage_ids, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(data.passage_texts[1], "atomic bombs in 1945");
  EXPECT_EQ(data.passage_texts[3], "Beans coffee beans roasted");
  EXPECT_EQ(data.passage_titles[3], "Beans");
  EXPECT_EQ(data.passage_titles[0], "");
  EXPECT_EQ(data.query_ids, (std::vector<std::string>{"100", "101", "102", "200"}));
  EXPECT_EQ(data.train_queries, (std::vector<int32_t>{0, 1}));  // 102 is judged nowhere: no split
  EXPECT_EQ(data.dev_queries, (std::vector<int32_t>{3}));
  EXPECT_TRUE(data.test_queries.empty());
  // Query 100: pid 0 (rel 2) before pid 1 (rel 1), whatever the file order.
  ASSERT_EQ(data.judgments[0].size(), 2u);
  EXPECT_EQ(data.judgments[0][0].passage, 0);
  EXPECT_FLOAT_EQ(data.judgments[0][0].grade, 2);
  EXPECT_EQ(data.judgments[0][1].passage, 1);
  ASSERT_EQ(data.judgments[1].size(), 1u) << "rel 0 is judged, not a positive";
  EXPECT_EQ(data.judgments[1][0].passage, 2);
  EXPECT_TRUE(data.judgments[2].empty());
  EXPECT_EQ(data.judgments[3][0].passage, 3);
  EXPECT_EQ(data.hard_negatives.size(), 4u);
  EXPECT_EQ(report.records, 4u + 3u + 4u + 1u + 1u);  // collection, train queries and qrels, dev queries and qrels
  EXPECT_EQ(report.skipped, 0u);
}

TEST(MsMarcoLoader, ErrorsNameFileLineAndField) {
  MsMarcoFixture f;
  const std::string collection = f.dir.file("collection.tsv");
  const std::string train_qrels = f.dir.file("qrels.train.tsv");
  EXPECT_TRUE(contains(f.error_with("collection.tsv", "0\tfine\n1 no tab here\n"), collection + ":2: field 'line': expected 2 tab-separated"));
  EXPECT_TRUE(contains(f.error_with("collection.tsv", "0\tfine\n\t empty id\n"), collection + ":2: field 'pid': empty id"));
  EXPECT_TRUE(contains(f.error_with("collection.tsv", "0\tfine\n0\tagain\n"), collection + ":2: field 'pid': duplicate id '0' (first defined at line 1)"));
  EXPECT_TRUE(contains(f.error_with("collection.tsv", "0\tfine\n1\t  \n"), collection + ":2: field 'text': empty text"));
  write_file(collection, kCollection);

  // A query id repeated in another split's file names the first file.
  EXPECT_TRUE(contains(f.error_with("queries.dev.tsv", "100\tagain\n"),
                       f.dir.file("queries.dev.tsv") + ":1: field 'qid': duplicate id '100' (first defined at " +
                           f.dir.file("queries.train.tsv") + ":1)"));
  EXPECT_TRUE(contains(f.error_with("queries.dev.tsv", "200\n"), f.dir.file("queries.dev.tsv") + ":1: field 'line': expected 2"));
  write_file(f.dir.file("queries.dev.tsv"), kDevQueries);

  EXPECT_TRUE(contains(f.error_with("qrels.train.tsv", "100 0 1\n"), train_qrels + ":1: field 'line': expected 4 fields"));
  EXPECT_TRUE(contains(f.error_with("qrels.train.tsv", "100 0 1 1\n999 0 1 1\n"), train_qrels + ":2: field 'qid': unknown query '999'"));
  EXPECT_TRUE(contains(f.error_with("qrels.train.tsv", "100 0 77 1\n"), train_qrels + ":1: field 'docid': unknown document '77'"));
  EXPECT_TRUE(contains(f.error_with("qrels.train.tsv", "100 0 1 high\n"), train_qrels + ":1: field 'relevance': expected an integer"));
  EXPECT_TRUE(contains(f.error_with("qrels.train.tsv", "100 0 1 1\n100 0 1 2\n"),
                       train_qrels + ":2: field 'docid': document '1' is judged twice for query '100' (first at line 1)"));
  EXPECT_TRUE(contains(f.error_with("qrels.train.tsv", "200 0 1 1\n"),
                       train_qrels + ":1: field 'qid': query '200' is defined in " + f.dir.file("queries.dev.tsv") + ", not in queries.train.tsv"));
  write_file(train_qrels, kTrainQrels);

  std::filesystem::remove(f.dir.file("queries.dev.tsv"));
  EXPECT_TRUE(contains(data_error([&] { load_msmarco(f.path()); }), "qrels.dev.tsv exists but its queries file does not"));
  std::filesystem::remove(f.dir.file("qrels.dev.tsv"));
  MsMarcoOptions need_dev;
  need_dev.require_splits = {"dev"};
  EXPECT_TRUE(contains(data_error([&] { load_msmarco(f.path(), need_dev); }),
                       f.dir.file("qrels.dev.tsv") + ": field 'split': split 'dev' was asked for"));
  std::filesystem::remove(train_qrels);
  EXPECT_TRUE(contains(data_error([&] { load_msmarco(f.path()); }), "no qrels file"));
  EXPECT_TRUE(contains(data_error([&] { load_msmarco(f.dir.file("nowhere")); }), "collection.tsv: field 'file': cannot open"));
}

TEST(MsMarcoLoader, LenientSkipsAndCountsBadLines) {
  MsMarcoFixture f;
  write_file(f.dir.file("collection.tsv"), std::string(kCollection) + "no tab\n0\tduplicate\n");
  write_file(f.dir.file("qrels.train.tsv"), std::string(kTrainQrels) + "100 0 1\n999 0 1 1\n100 0 2 x\n");
  MsMarcoOptions options;
  options.lenient = true;
  LoadReport report;
  Dataset data = load_msmarco(f.path(), options, &report);
  EXPECT_EQ(data.num_passages(), 4u);
  EXPECT_EQ(data.judgments[0].size(), 2u);
  EXPECT_EQ(report.skipped, 5u);
  EXPECT_EQ(report.skipped_by_field.at("line"), 2u);
  EXPECT_EQ(report.skipped_by_field.at("pid"), 1u);
  EXPECT_EQ(report.skipped_by_field.at("qid"), 1u);
  EXPECT_EQ(report.skipped_by_field.at("relevance"), 1u);
  EXPECT_TRUE(contains(data.notes.back(), "lenient load: skipped 5 of"));
}

TEST(MsMarcoLoader, DatasetFactoryKindMsMarco) {
  MsMarcoFixture fixture;
  Dataset data = load_dataset({{"kind", "msmarco"}, {"path", fixture.path()}, {"require_splits", {"train", "dev"}}}, "run.json");
  EXPECT_EQ(data.train_queries.size(), 2u);
  EXPECT_EQ(data.dev_queries.size(), 1u);
  Dataset single = load_dataset({{"kind", "msmarco"}, {"path", fixture.path()}, {"regime", {{"name", "human_single"}}}}, "run.json");
  EXPECT_EQ(single.judgments[0].size(), 1u);
  EXPECT_THROW(load_dataset({{"kind", "msmarco"}, {"path", fixture.path()}, {"bogus", 1}}, "run.json"), std::runtime_error);
}

namespace {

struct TrecFixture {
  TempDir dir;
  TrecFiles files{dir.file("corpus.jsonl"), dir.file("queries.tsv"), dir.file("qrels.txt")};
  TrecFixture() {
    write_file(files.corpus, "{\"_id\": \"d1\", \"title\": \"T\", \"text\": \"one\"}\n{\"_id\": \"d2\", \"text\": \"two\"}\n");
    write_file(files.queries, "q1\tfirst query\nq2\tsecond query\nq3\tunjudged\n");
    write_file(files.qrels, "q1 0 d1 1\nq1 0 d2 2\nq2\t0\td2\t0\n");
  }
};

}  // namespace

TEST(TrecLoader, EvaluationOnlyDatasetFromCorpusQueriesAndQrels) {
  TrecFixture f;
  Dataset data = load_trec(f.files);
  EXPECT_EQ(data.passage_texts[0], "T one");
  EXPECT_EQ(data.query_ids, (std::vector<std::string>{"q1", "q2", "q3"}));
  EXPECT_TRUE(data.train_queries.empty());
  EXPECT_TRUE(data.dev_queries.empty());
  EXPECT_EQ(data.test_queries, (std::vector<int32_t>{0, 1}));  // q2 judged (rel 0) but has no positive
  ASSERT_EQ(data.judgments[0].size(), 2u);
  EXPECT_EQ(data.judgments[0][0].passage, 1);  // d2, rel 2, first
  EXPECT_TRUE(data.judgments[1].empty());
  EXPECT_TRUE(contains(data.notes.front(), "evaluation only: 2 judged queries in split 'test'"));

  // The same queries as BEIR JSON Lines, and the dev split.
  write_file(f.files.queries, "{\"_id\": \"q1\", \"text\": \"first query\"}\n{\"_id\": \"q2\", \"text\": \"second\"}\n");
  TrecOptions dev;
  dev.split = "dev";
  Dataset jsonl = load_trec(f.files, dev);
  EXPECT_EQ(jsonl.num_queries(), 2u);
  EXPECT_EQ(jsonl.dev_queries, (std::vector<int32_t>{0, 1}));
  EXPECT_TRUE(jsonl.test_queries.empty());
}

TEST(TrecLoader, ErrorsAndFactory) {
  TrecFixture f;
  write_file(f.files.qrels, "q1 0 d1 1\nq1 0 d9 1\n");
  EXPECT_TRUE(contains(data_error([&] { load_trec(f.files); }), f.files.qrels + ":2: field 'docid': unknown document 'd9'"));
  write_file(f.files.qrels, "q1 0 d1\n");
  EXPECT_TRUE(contains(data_error([&] { load_trec(f.files); }), f.files.qrels + ":1: field 'line': expected 4 fields"));
  write_file(f.files.qrels, "\n");
  EXPECT_TRUE(contains(data_error([&] { load_trec(f.files); }), f.files.qrels + ": field 'file': no judgments"));
  write_file(f.files.queries, "{\"_id\": \"q1\"}\n");
  EXPECT_TRUE(contains(data_error([&] { load_trec(f.files); }), f.files.queries + ":1: field 'text': missing"));
  EXPECT_THROW(load_trec(f.files, TrecOptions{false, "train"}), std::invalid_argument);

  TrecFixture good;
  Dataset data = load_dataset({{"kind", "trec"}, {"corpus", good.files.corpus}, {"queries", good.files.queries},
                               {"qrels", good.files.qrels}, {"split", "dev"}},
                              "run.json");
  EXPECT_EQ(data.dev_queries.size(), 2u);
  try {
    load_dataset({{"kind", "trec"}, {"corpus", good.files.corpus}, {"queries", good.files.queries}}, "run.json");
    ADD_FAILURE() << "a trec dataset without qrels loaded";
  } catch (const std::exception& error) {
    EXPECT_TRUE(contains(error.what(), "dataset.qrels")) << error.what();
  }
}
