// eval::Run and qrels files: round trips, strict errors naming file/line/field, lenient skipping.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/eval/trec_io.hpp"
#include "tests/eval/test_util.hpp"

namespace multipos::eval {
namespace {

using testing::ScratchDir;

// Runs the reader and returns the ParseError it must raise.
template <typename Reader>
ParseError expect_parse_error(Reader read) {
  try {
    read();
  } catch (const ParseError& error) {
    return error;
  }
  ADD_FAILURE() << "no ParseError raised";
  return ParseError("", 0, "", "");
}

TEST(TrecIo, RunRoundTripKeepsScoresAndRanking) {
  ScratchDir dir;
  const eval::Run run = {
      {"q1", {{"d1", 1.0 / 3.0}, {"d2", 1e-7}, {"d3", 1.0 / 3.0}, {"d4", -3.25}}},
      {"q2", {{"x", 0.1}, {"y", 123456789.125}}},
  };
  const std::string path = dir.file("run.txt");
  write_trec_run(path, run, "mytag");
  ReadReport report;
  const eval::Run back = read_trec_run(path, {}, &report);
  EXPECT_EQ(report.records, 6u);
  ASSERT_EQ(back.size(), 2u);
  for (const auto& [query, entries] : run) {
    std::vector<RunEntry> expected = entries;
    sort_trec_order(expected);
    const std::vector<RunEntry>& got = back.at(query);
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].doc_id, expected[i].doc_id);  // written in trec order
      EXPECT_EQ(got[i].score, expected[i].score);    // bit-exact
    }
  }
  // The tie at 1/3 is written id-descending with consecutive ranks.
  EXPECT_EQ(testing::read_text(path).substr(0, 50),
            std::string("q1 Q0 d3 1 0.3333333333333333 mytag\nq1 Q0 d1 2 0.3"));
}

TEST(TrecIo, WriteRejectsWhitespaceInIds) {
  ScratchDir dir;
  EXPECT_THROW(write_trec_run(dir.file("r"), {{"q 1", {{"d", 1.0}}}}, "t"), std::invalid_argument);
  EXPECT_THROW(write_trec_run(dir.file("r"), {{"q1", {{"d", 1.0}}}}, "a tag"),
               std::invalid_argument);
}

TEST(TrecIo, DuplicateDocumentInRunNamesBothLines) {
  ScratchDir dir;
  const std::string path =
      dir.write("dup.run", "q1 Q0 a 1 3 t\nq1 Q0 b 2 2 t\n\nq2 Q0 a 1 2 t\nq1 Q0 a 3 1 t\n");
  const ParseError error = expect_parse_error([&] { read_trec_run(path); });
  EXPECT_EQ(error.file(), path);
  EXPECT_EQ(error.line(), 5u);
  EXPECT_EQ(error.field(), "docid");
  EXPECT_NE(std::string(error.what()).find(path + ":5:"), std::string::npos) << error.what();
  EXPECT_NE(std::string(error.what()).find("first at line 1"), std::string::npos) << error.what();
}

TEST(TrecIo, BadRunLinesNameTheField) {
  ScratchDir dir;
  struct Case {
    const char* line;
    const char* field;
  };
  for (const Case& bad : {Case{"q1 Q0 a 1 3", "columns"}, Case{"q1 Q0 a 1 3 t extra", "columns"},
                          Case{"q1 Q0 a one 3 t", "rank"}, Case{"q1 Q0 a 1 3.5x t", "score"},
                          Case{"q1 Q0 a 1 nan t", "score"}}) {
    const std::string path = dir.write("bad.run", std::string("q0 Q0 z 1 1 t\n") + bad.line + "\n");
    const ParseError error = expect_parse_error([&] { read_trec_run(path); });
    EXPECT_EQ(error.line(), 2u) << bad.line;
    EXPECT_EQ(error.field(), bad.field) << bad.line;
  }
}

TEST(TrecIo, LenientReadingSkipsAndCountsBadLines) {
  ScratchDir dir;
  const std::string path = dir.write(
      "mixed.run", "q1 Q0 a 1 3 t\nbroken line\nq1 Q0 b 2 x t\nq1 Q0 a 3 1 t\nq1 Q0 c 4 1e-3 t\n");
  ReadOptions lenient;
  lenient.lenient = true;
  ReadReport report;
  const eval::Run run = read_trec_run(path, lenient, &report);
  EXPECT_EQ(report.lines, 5u);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(report.skipped, 3u);
  ASSERT_EQ(report.skipped_reasons.size(), 3u);
  EXPECT_NE(report.skipped_reasons[0].find(":2:"), std::string::npos);
  ASSERT_EQ(run.at("q1").size(), 2u);
  EXPECT_DOUBLE_EQ(run.at("q1")[1].score, 1e-3);
}

TEST(TrecIo, TrecQrelsReadGradesAndRejectBadLines) {
  ScratchDir dir;
  const std::string good = dir.write("good.qrels", "q1 0 a 2\nq1 0 b 0\r\nq2 0 a -1\n");
  const Qrels qrels = read_trec_qrels(good);
  ASSERT_EQ(qrels.size(), 2u);
  EXPECT_EQ(qrels.at("q1").at("a"), 2);
  EXPECT_EQ(qrels.at("q1").at("b"), 0);
  EXPECT_EQ(qrels.at("q2").at("a"), -1);

  const std::string bad_grade = dir.write("g.qrels", "q1 0 a 2\nq1 0 b 1.5\n");
  EXPECT_EQ(expect_parse_error([&] { read_trec_qrels(bad_grade); }).field(), "grade");
  const std::string three = dir.write("c.qrels", "q1 0 a\n");
  EXPECT_EQ(expect_parse_error([&] { read_trec_qrels(three); }).field(), "columns");
  const std::string twice = dir.write("t.qrels", "q1 0 a 1\nq1 0 a 2\n");
  const ParseError duplicate = expect_parse_error([&] { read_trec_qrels(twice); });
  EXPECT_EQ(duplicate.line(), 2u);
  EXPECT_EQ(duplicate.field(), "docid");
}

TEST(TrecIo, BeirQrelsWithAndWithoutHeader) {
  ScratchDir dir;
  const std::string with_header =
      dir.write("h.tsv", "query-id\tcorpus-id\tscore\nq1\t<dbpedia:A b>\t2\nq1\td2\t0\n");
  ReadReport report;
  const Qrels qrels = read_beir_qrels(with_header, {}, &report);
  EXPECT_EQ(report.records, 2u);
  EXPECT_EQ(qrels.at("q1").at("<dbpedia:A b>"), 2);  // tabs only split: spaces stay in ids
  const std::string bare = dir.write("b.tsv", "q1\td1\t1\n");
  EXPECT_EQ(read_beir_qrels(bare).at("q1").at("d1"), 1);
  // A header anywhere but the first line is a bad score.
  const std::string late = dir.write("l.tsv", "q1\td1\t1\nquery-id\tcorpus-id\tscore\n");
  const ParseError error = expect_parse_error([&] { read_beir_qrels(late); });
  EXPECT_EQ(error.line(), 2u);
  EXPECT_EQ(error.field(), "score");
  const std::string empty_id = dir.write("e.tsv", "\td1\t1\n");
  EXPECT_EQ(expect_parse_error([&] { read_beir_qrels(empty_id); }).field(), "query-id");
}

TEST(TrecIo, MissingFileThrows) {
  EXPECT_THROW(read_trec_run("/nonexistent/multipos/run.txt"), std::runtime_error);
  EXPECT_THROW(read_beir_qrels("/nonexistent/multipos/q.tsv"), std::runtime_error);
}

TEST(TrecIo, ReadsSharedDbpediaQrels) {
  const std::string path =
      std::string(MULTIPOS_SHARED_DATA_DIR) + "/beir-dbpedia-entity-5k/qrels/test.tsv";
  if (!std::ifstream(path)) GTEST_SKIP() << "shared data not found at " << path;
  ReadReport report;
  const Qrels qrels = read_beir_qrels(path, {}, &report);
  EXPECT_EQ(report.skipped, 0u);
  EXPECT_EQ(report.records + 1, report.lines);  // everything but the header
  std::size_t judgments = 0;
  for (const auto& [query, docs] : qrels) judgments += docs.size();
  EXPECT_EQ(judgments, report.records);
  EXPECT_GT(qrels.size(), 10u);
}

}  // namespace
}  // namespace multipos::eval
