// `multipos data stats` run as a user would: the real binary, its exit codes and its output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/data/synthetic.hpp"
#include "tests/data/data_test_files.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::testing::contains;
using multipos::testing::TempDir;
using multipos::testing::write_file;

namespace {

struct Result {
  int status = -1;
  std::string output;
};

Result run(const std::string& arguments, bool with_stderr = true) {
  Result result;
  const std::string command = "\"" + std::string(MULTIPOS_BINARY) + "\" " + arguments + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace

TEST(DataCommand, SyntheticStatsAsJsonMatchTheGenerator) {
  Result result = run("data stats synthetic --json", false);
  ASSERT_EQ(result.status, 0) << result.output;
  const auto stats = nlohmann::json::parse(result.output);
  const auto expected = multipos::data::make_synthetic(multipos::data::SyntheticConfig{});
  EXPECT_EQ(stats["passages"], expected.num_passages());
  EXPECT_EQ(stats["queries"], expected.num_queries());
  EXPECT_EQ(stats["splits"]["train"]["queries"], expected.train_queries.size());
  EXPECT_GT(stats["splits"]["train"]["false_positives"].get<int>(), 0) << "the generator plants some";
  EXPECT_TRUE(stats["splits"]["dev"]["positives_per_query"].contains("median"));
}

TEST(DataCommand, BeirErrorsLenientModeAndUsage) {
  TempDir dir;
  write_file(dir.file("corpus.jsonl"), "{\"_id\": \"d1\", \"text\": \"one\"}\n{\"_id\": \"d2\"\n");
  write_file(dir.file("queries.jsonl"), "{\"_id\": \"q1\", \"text\": \"a\"}\n");
  write_file(dir.file("qrels/test.tsv"), "q1\td1\t1\n");
  const std::string path = "\"" + dir.path().string() + "\"";
  Result strict = run("data stats " + path);
  EXPECT_EQ(strict.status, 1);
  EXPECT_TRUE(contains(strict.output, dir.file("corpus.jsonl") + ":2: field 'json'"));
  Result lenient = run("data stats " + path + " --lenient");
  ASSERT_EQ(lenient.status, 0) << lenient.output;
  EXPECT_TRUE(contains(lenient.output, "skipped 1 of"));
  EXPECT_TRUE(contains(lenient.output, "test: 1 queries (1 with positives"));
  Result misspelt = run("data stats " + path + " --spec '{\"regime\": {\"nam\": \"mixed\"}}'");
  EXPECT_EQ(misspelt.status, 1);
  EXPECT_TRUE(contains(misspelt.output, "field 'dataset.regime.nam': unknown field"));
  EXPECT_EQ(run("data").status, 2);
  EXPECT_EQ(run("data stats /no/such/place").status, 2);
}

TEST(DataCommand, DbpediaSlice) {
  const std::string dir = std::string(MULTIPOS_SHARED_DATA_DIR) + "/beir-dbpedia-entity-5k";
  if (!std::filesystem::exists(dir + "/corpus.jsonl")) GTEST_SKIP() << "shared data not found at " << dir;
  Result result = run("data stats \"" + dir + "\" --json", false);
  ASSERT_EQ(result.status, 0) << result.output;
  const auto stats = nlohmann::json::parse(result.output);
  EXPECT_EQ(stats["passages"], 5000);
  EXPECT_EQ(stats["splits"]["test"]["queries_with_positives"], 40);
  EXPECT_EQ(stats["splits"]["test"]["positives_per_query"]["median"], 14.5);
  EXPECT_EQ(stats["splits"]["test"]["positives_per_query"]["max"], 131);
}
