#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

#include "core/data/wordnet.hpp"
#include "tests/data/data_test_files.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::data::Dataset;
using multipos::data::make_wordnet;
using multipos::data::WordNetConfig;
using multipos::testing::contains;
using multipos::testing::data_error;
using multipos::testing::TempDir;
using multipos::testing::write_file;

namespace {

// A tiny taxonomy in data.noun's format: entity > {animal > {dog > puppy, cat, bird}, plant > tree, thing of note}.
const char* kDataNoun =
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "  2 Princeton University under the following license.  \n"
    "00000001 03 n 01 entity 0 003 ~ 00000002 n 0000 ~ 00000003 n 0000 ~ 00000004 n 0000 | that which exists  \n"
    "00000002 03 n 02 animal 0 beast 0 004 @ 00000001 n 0000 ~ 00000005 n 0000 ~ 00000006 n 0000 ~ 00000007 n 0000 | a living organism; \"animals move\"  \n"
    "00000003 03 n 01 plant 0 002 @ 00000001 n 0000 ~ 00000008 n 0000 | a living organism lacking the power of locomotion  \n"
    "00000004 03 n 01 thing_of_note 0 002 @ 00000001 n 0000 + 00000010 v 0101 | a separate object  \n"
    "00000005 05 n 01 dog 0 002 @ 00000002 n 0000 ~ 00000009 n 0000 | a domestic canine  \n"
    "00000006 05 n 01 cat 0 001 @ 00000002 n 0000 | a feline  \n"
    "00000007 05 n 01 bird 0 001 @ 00000002 n 0000 | a feathered animal  \n"
    "00000008 20 n 01 tree 0 001 @ 00000003 n 0000 | a tall plant  \n"
    "00000009 05 n 01 puppy 0 001 @ 00000005 n 0000 | a young dog  \n";

int32_t passage_of(const Dataset& data, const std::string& id) {
  auto found = std::find(data.passage_ids.begin(), data.passage_ids.end(), id);
  return found == data.passage_ids.end() ? -1 : static_cast<int32_t>(found - data.passage_ids.begin());
}

}  // namespace

TEST(WordNet, BuildsQueriesAndGradedHyponymsFromASmallTaxonomy) {
  TempDir dir;
  write_file(dir.file("data.noun"), kDataNoun);
  WordNetConfig config;
  config.directory = dir.path().string();
  config.dev_fraction = 0;
  config.test_fraction = 0;
  Dataset data = make_wordnet(config);
  ASSERT_EQ(data.num_passages(), 9u);
  EXPECT_EQ(data.passage_ids[1], "00000002-n");
  EXPECT_EQ(data.passage_texts[1], "animal, beast: a living organism") << "definition without the example";
  EXPECT_EQ(data.passage_texts[3], "thing of note: a separate object");
  EXPECT_EQ(data.passage_titles[1], "animal, beast");
  ASSERT_EQ(data.query_ids, (std::vector<std::string>{"00000001-n", "00000002-n"}));
  EXPECT_EQ(data.query_texts[1], "kinds of animal");
  EXPECT_EQ(data.train_queries.size(), 2u);

  // animal: dog, cat, bird at grade 2, puppy at grade 1.
  std::map<std::string, float> grades;
  for (const auto& j : data.judgments[1]) grades[data.passage_ids[static_cast<size_t>(j.passage)]] = j.grade;
  EXPECT_EQ(grades, (std::map<std::string, float>{{"00000005-n", 2.f}, {"00000006-n", 2.f}, {"00000007-n", 2.f}, {"00000009-n", 1.f}}));
  EXPECT_EQ(data.judgments[0].size(), 7u) << "entity: 3 children and 4 grandchildren";
  // Hard negatives of animal: its siblings (plant, thing of note) first, then their hyponyms (tree).
  const auto& negatives = data.hard_negatives[1];
  ASSERT_EQ(negatives.size(), 3u);
  EXPECT_EQ(std::set<int32_t>(negatives.begin(), negatives.begin() + 2),
            (std::set<int32_t>{passage_of(data, "00000003-n"), passage_of(data, "00000004-n")}));
  EXPECT_EQ(negatives[2], passage_of(data, "00000008-n"));
  EXPECT_TRUE(data.hard_negatives[0].empty()) << "the root has no siblings";

  config.long_queries = true;
  Dataset long_form = make_wordnet(config);
  ASSERT_EQ(long_form.num_queries(), 2u);
  EXPECT_EQ(long_form.query_texts[1], "kinds of animal: a living organism");
  config.min_hyponyms = 4;
  EXPECT_EQ(make_wordnet(config).num_queries(), 0u) << "no synset here has 4 direct hyponyms";
}

TEST(WordNet, MalformedLinesNameLineAndField) {
  TempDir dir;
  const std::string file = dir.file("data.noun");
  WordNetConfig config;
  config.directory = dir.path().string();
  auto error_for = [&](const std::string& content) {
    write_file(file, content);
    return data_error([&] { make_wordnet(config); });
  };
  const std::string good = "00000001 03 n 01 entity 0 000 | that which exists  \n";
  EXPECT_TRUE(contains(error_for(good + "0000000x 03 n 01 a 0 000 | b\n"), file + ":2: field 'synset_offset'"));
  EXPECT_TRUE(contains(error_for(good + "00000002 03 v 01 a 0 000 | b\n"), file + ":2: field 'ss_type'"));
  EXPECT_TRUE(contains(error_for(good + "00000002 03 n zz a 0 000 | b\n"), file + ":2: field 'w_cnt'"));
  EXPECT_TRUE(contains(error_for(good + "00000002 03 n 02 a 0\n"), file + ":2: field 'word': missing (line ends early)"));
  EXPECT_TRUE(contains(error_for(good + "00000002 03 n 01 a 0 001 ~ 00000099 n 0000 | b\n"),
                       file + ":2: field 'pointer_offset': hyponym 99 is not a noun synset"));
  EXPECT_TRUE(contains(error_for(good + "00000002 03 n 01 a 0 000\n"), file + ":2: field 'gloss': missing"));
  EXPECT_TRUE(contains(error_for(good + good), file + ":2: field 'synset_offset': duplicate synset offset 1"));
  EXPECT_TRUE(contains(error_for("  1 licence only\n"), file + ": field 'file': no noun synsets"));
  std::filesystem::remove(file);
  EXPECT_TRUE(contains(data_error([&] { make_wordnet(config); }), "cannot open"));
}

TEST(WordNet, InstalledNounTaxonomy) {
  const std::string dir = "/usr/share/wordnet";
  if (!std::filesystem::exists(dir + "/data.noun"))
    GTEST_SKIP() << dir << "/data.noun not found: install Debian's wordnet-base package to test the WordNet dataset";
  Dataset data = make_wordnet(WordNetConfig{});
  std::vector<size_t> positives;
  for (const auto& judged : data.judgments) positives.push_back(judged.size());
  std::sort(positives.begin(), positives.end());
  const size_t median = positives[positives.size() / 2];
  std::printf("WordNet nouns: %zu documents, %zu queries (train %zu, dev %zu, test %zu), median %zu positives\n",
              data.num_passages(), data.num_queries(), data.train_queries.size(), data.dev_queries.size(),
              data.test_queries.size(), median);
  EXPECT_GT(data.num_passages(), 80000u);
  EXPECT_LT(data.num_passages(), 85000u);
  EXPECT_GT(data.num_queries(), 6000u);
  EXPECT_LT(data.num_queries(), 8500u);
  EXPECT_GE(median, 5u);
  EXPECT_LE(median, 10u);

  std::unordered_set<std::string> seen_ids;
  for (size_t q = 0; q < data.num_queries(); ++q) {
    EXPECT_TRUE(seen_ids.insert(data.query_ids[q]).second);
    std::unordered_set<int32_t> own;
    for (const auto& j : data.judgments[q]) {
      ASSERT_NE(data.passage_ids[static_cast<size_t>(j.passage)], data.query_ids[q]) << "query among its own positives";
      EXPECT_TRUE(own.insert(j.passage).second) << "duplicate positive for " << data.query_ids[q];
    }
    EXPECT_GE(data.judgments[q].size(), 3u);
    EXPECT_EQ(data.query_texts[q].rfind("kinds of ", 0), 0u);
    for (int32_t negative : data.hard_negatives[q]) EXPECT_FALSE(own.count(negative)) << data.query_ids[q];
  }
  std::vector<int> split_of(data.num_queries(), 0);
  for (const auto* split : {&data.train_queries, &data.dev_queries, &data.test_queries})
    for (int32_t q : *split) ++split_of[static_cast<size_t>(q)];
  for (int count : split_of) ASSERT_EQ(count, 1) << "each query in exactly one split";
  const double dev_share = static_cast<double>(data.dev_queries.size()) / static_cast<double>(data.num_queries());
  EXPECT_NEAR(dev_share, 0.1, 0.02);

  // A sample keeps its queries' splits: the split is a hash of the synset, not of the position.
  WordNetConfig sample;
  sample.max_queries = 500;
  Dataset small = make_wordnet(sample);
  ASSERT_EQ(small.num_queries(), 500u);
  std::set<std::string> full_dev, small_dev;
  for (int32_t q : data.dev_queries) full_dev.insert(data.query_ids[static_cast<size_t>(q)]);
  for (int32_t q : small.dev_queries) small_dev.insert(small.query_ids[static_cast<size_t>(q)]);
  EXPECT_FALSE(small_dev.empty());
  for (const auto& id : small_dev) EXPECT_TRUE(full_dev.count(id)) << id;
}

TEST(WordNet, ZeroShotSplitKeepsLexicographerFilesApart) {
  const std::string file = "/usr/share/wordnet/data.noun";
  if (!std::filesystem::exists(file))
    GTEST_SKIP() << file << " not found: install Debian's wordnet-base package to test the WordNet dataset";
  // The test's own reading of data.noun: synset id -> lexicographer file (the line's 2nd field).
  std::map<std::string, std::string> file_of;
  std::istringstream lines(multipos::testing::read_file(file));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != ' ') file_of[line.substr(0, 8) + "-n"] = line.substr(9, 2);
  WordNetConfig config;
  config.split_by = "lexicographer_file";
  Dataset data = make_wordnet(config);
  std::map<std::string, std::set<int>> splits_of_file;
  int split_index = 0;
  for (const auto* split : {&data.train_queries, &data.dev_queries, &data.test_queries}) {
    for (int32_t q : *split) splits_of_file[file_of.at(data.query_ids[static_cast<size_t>(q)])].insert(split_index);
    ++split_index;
  }
  for (const auto& [lexicographer_file, splits] : splits_of_file)
    EXPECT_EQ(splits.size(), 1u) << "lexicographer file " << lexicographer_file << " spans several splits";
  const auto total = static_cast<double>(data.num_queries());
  EXPECT_GE(static_cast<double>(data.test_queries.size()), 0.1 * total);
  EXPECT_GE(static_cast<double>(data.dev_queries.size()), 0.1 * total);
  EXPECT_GE(static_cast<double>(data.train_queries.size()), 0.4 * total);
  EXPECT_EQ(data.train_queries.size() + data.dev_queries.size() + data.test_queries.size(), data.num_queries());
  config.split_by = "topic";
  EXPECT_THROW(make_wordnet(config), std::invalid_argument);
}
