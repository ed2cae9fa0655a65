// Agreement with trec_eval (via pytrec_eval-terrier) on the numbers frozen in
// fixtures/trec_eval_fixture.json by fixtures/make_fixture.py; see fixtures/README.md.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <unordered_set>

#include "core/eval/metrics.hpp"
#include "core/eval/trec_io.hpp"
#include "tests/eval/test_util.hpp"

namespace multipos::eval {
namespace {

using nlohmann::json;

const json& fixture() {
  static const json loaded = [] {
    std::ifstream in(testing::fixture_path("trec_eval_fixture.json"));
    if (!in) throw std::runtime_error("missing tests/eval/fixtures/trec_eval_fixture.json");
    return json::parse(in);
  }();
  return loaded;
}

// Every query and measure of `expected` ({qid: {measure: value}}) must match to 1e-6, and the
// evaluated query set must be exactly the fixture's.
void expect_agreement(const Qrels& qrels, const Run& run, const json& expected, int level) {
  std::vector<std::string> names;
  for (const auto& item : expected.begin().value().items()) names.push_back(item.key());
  EvalOptions options;
  options.relevance_threshold = level;
  const Evaluation evaluation = evaluate(qrels, run, parse_measures(names), options);
  ASSERT_EQ(evaluation.per_query.size(), expected.size());
  for (const QueryScores& scores : evaluation.per_query) {
    ASSERT_TRUE(expected.contains(scores.query_id)) << scores.query_id;
    for (std::size_t m = 0; m < names.size(); ++m) {
      EXPECT_NEAR(scores.values[m], expected[scores.query_id][names[m]].get<double>(), 1e-6)
          << "query " << scores.query_id << " measure " << names[m] << " level " << level;
    }
  }
}

TEST(TrecEvalFixture, SyntheticRunWithTiesAndGrades) {
  const Qrels qrels = read_trec_qrels(testing::fixture_path("synthetic.qrels"));
  const eval::Run run = read_trec_run(testing::fixture_path("synthetic.run"));
  expect_agreement(qrels, run, fixture()["synthetic"]["level_1"], 1);
  expect_agreement(qrels, run, fixture()["synthetic"]["level_2"], 2);
}

// The fixed lexical rule of make_fixture.py's overlap_run, rebuilt here.
std::unordered_set<std::string> tokens(const std::string& text) {
  std::unordered_set<std::string> found;
  std::string current;
  for (char raw : text + " ") {
    const char c = (raw >= 'A' && raw <= 'Z') ? static_cast<char>(raw - 'A' + 'a') : raw;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      current += c;
    } else if (!current.empty()) {
      found.insert(current);
      current.clear();
    }
  }
  return found;
}

std::vector<json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> records;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) records.push_back(json::parse(line));
  }
  return records;
}

eval::Run overlap_run(const std::string& data_dir, std::size_t depth) {
  std::vector<std::pair<std::string, std::unordered_set<std::string>>> docs;
  for (const json& record : read_jsonl(data_dir + "/corpus.jsonl")) {
    docs.emplace_back(record["_id"].get<std::string>(),
                      tokens(record.value("title", "") + " " + record.value("text", "")));
  }
  eval::Run run;
  std::mt19937 generator(17);
  for (const json& record : read_jsonl(data_dir + "/queries.jsonl")) {
    const auto query_words = tokens(record["text"].get<std::string>());
    std::vector<RunEntry> scored;
    for (const auto& [doc_id, words] : docs) {
      std::size_t overlap = 0;
      for (const std::string& word : query_words) overlap += words.count(word);
      if (overlap > 0) scored.push_back({doc_id, overlap + static_cast<double>(words.size() % 7) / 8.0});
    }
    if (scored.empty()) continue;
    sort_trec_order(scored);
    scored.resize(std::min(scored.size(), depth));
    // Shuffled so that evaluate() has to do trec_eval's re-sort itself.
    std::shuffle(scored.begin(), scored.end(), generator);
    run[record["_id"].get<std::string>()] = std::move(scored);
  }
  return run;
}

TEST(TrecEvalFixture, DbpediaOverlapRun) {
  const std::string data_dir = std::string(MULTIPOS_SHARED_DATA_DIR) + "/beir-dbpedia-entity-5k";
  if (!std::ifstream(data_dir + "/corpus.jsonl")) {
    GTEST_SKIP() << "shared data not found at " << data_dir << " (DBPedia fixture not checked)";
  }
  const json& expected = fixture()["dbpedia_overlap"];
  const eval::Run run = overlap_run(data_dir, expected["run_depth"].get<std::size_t>());
  // First prove the run is the one the fixture was computed on.
  ASSERT_EQ(run.size(), expected["run_size"].size());
  for (const auto& [query, entries] : run) {
    ASSERT_EQ(entries.size(), expected["run_size"][query].get<std::size_t>()) << query;
    double total = 0.0;
    for (const RunEntry& entry : entries) total += entry.score;
    ASSERT_NEAR(total, expected["run_score_sum"][query].get<double>(), 1e-9) << query;
  }
  const Qrels qrels = read_beir_qrels(data_dir + "/qrels/test.tsv");
  expect_agreement(qrels, run, expected["level_1"], 1);
  expect_agreement(qrels, run, expected["level_2"], 2);
}

}  // namespace
}  // namespace multipos::eval
