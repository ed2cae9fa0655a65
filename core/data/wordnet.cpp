#include "core/data/wordnet.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "core/data/load_report.hpp"
#include "core/util/rng.hpp"

namespace multipos::data {

namespace {

struct Synset {
  uint32_t offset = 0;
  uint32_t lexicographer_file = 0;  // e.g. 5 = noun.animal: the unit of a zero-shot split
  std::size_t line = 0;
  std::vector<std::string> lemmas;
  std::string definition;
  std::vector<uint32_t> hyponym_offsets;  // "~" pointers to nouns, in file order
};

// Space-separated tokens of a data line's synset part, with errors naming the field.
class Tokens {
 public:
  Tokens(const std::string& text, const std::string& file, std::size_t line) : file_(file), line_(line) {
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) tokens_.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  const std::string& next(const char* field) {
    if (position_ >= tokens_.size()) fail(field, "missing (line ends early)");
    return tokens_[position_++];
  }
  uint32_t number(const char* field, int base, uint32_t max) {
    const std::string& token = next(field);
    uint32_t value = 0;
    auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value, base);
    if (error != std::errc() || end != token.data() + token.size() || value > max)
      fail(field, "expected a " + std::string(base == 16 ? "hexadecimal" : "decimal") + " number up to " +
                      std::to_string(max) + ", got '" + token + "'");
    return value;
  }
  [[noreturn]] void fail(const char* field, const std::string& problem) const { throw DataError(file_, line_, field, problem); }

 private:
  const std::string& file_;
  std::size_t line_;
  std::vector<std::string> tokens_;
  std::size_t position_ = 0;
};

std::string definition_of(const std::string& gloss) {
  // A gloss is `definition; "example"; "example"`: keep the definition.
  std::size_t end = gloss.find("; \"");
  if (end == std::string::npos) end = gloss.find('"');
  std::string definition = gloss.substr(0, end);
  while (!definition.empty() && (definition.back() == ' ' || definition.back() == ';')) definition.pop_back();
  std::size_t first = definition.find_first_not_of(' ');
  return first == std::string::npos ? "" : definition.substr(first);
}

Synset parse_synset(const std::string& line, const std::string& file, std::size_t line_number) {
  const std::size_t bar = line.find(" | ");
  Tokens tokens(line.substr(0, bar), file, line_number);
  Synset synset;
  synset.line = line_number;
  synset.offset = tokens.number("synset_offset", 10, 99999999);
  synset.lexicographer_file = tokens.number("lex_filenum", 10, 99);
  if (tokens.next("ss_type") != "n") tokens.fail("ss_type", "expected 'n' (data.noun holds nouns only)");
  const uint32_t words = tokens.number("w_cnt", 16, 255);
  if (words == 0) tokens.fail("w_cnt", "a synset needs at least one word");
  for (uint32_t w = 0; w < words; ++w) {
    std::string lemma = tokens.next("word");
    std::replace(lemma.begin(), lemma.end(), '_', ' ');
    synset.lemmas.push_back(std::move(lemma));
    tokens.number("lex_id", 16, 15);
  }
  const uint32_t pointers = tokens.number("p_cnt", 10, 999);
  for (uint32_t p = 0; p < pointers; ++p) {
    const std::string symbol = tokens.next("pointer_symbol");
    const uint32_t target = tokens.number("pointer_offset", 10, 99999999);
    const std::string pos = tokens.next("pointer_pos");
    tokens.number("pointer_source_target", 16, 0xffff);
    if (symbol == "~" && pos == "n") synset.hyponym_offsets.push_back(target);
  }
  if (bar == std::string::npos) tokens.fail("gloss", "missing ('|' and the definition)");
  synset.definition = definition_of(line.substr(bar + 3));
  if (synset.definition.empty()) tokens.fail("gloss", "empty definition");
  return synset;
}

std::string synset_id(uint32_t offset) {
  std::string digits = std::to_string(offset);
  return std::string(8 - std::min<std::size_t>(8, digits.size()), '0') + digits + "-n";
}

// The noun taxonomy as indices: children from "~" pointers, parents as their inverse.
struct Taxonomy {
  std::vector<Synset> synsets;
  std::vector<std::vector<int32_t>> children, parents;
};

Taxonomy read_taxonomy(const std::string& file) {
  Taxonomy taxonomy;
  std::unordered_map<uint32_t, int32_t> index;
  LineReader reader(file);
  std::string line;
  while (reader.next(line)) {
    if (line.empty() || line[0] == ' ') continue;  // the licence header lines start with two spaces
    Synset synset = parse_synset(line, file, reader.line_number());
    if (!index.emplace(synset.offset, static_cast<int32_t>(taxonomy.synsets.size())).second)
      throw DataError(file, reader.line_number(), "synset_offset", "duplicate synset offset " + std::to_string(synset.offset));
    taxonomy.synsets.push_back(std::move(synset));
  }
  if (taxonomy.synsets.empty()) throw DataError(file, 0, "file", "no noun synsets");
  taxonomy.children.resize(taxonomy.synsets.size());
  taxonomy.parents.resize(taxonomy.synsets.size());
  for (std::size_t s = 0; s < taxonomy.synsets.size(); ++s)
    for (uint32_t target : taxonomy.synsets[s].hyponym_offsets) {
      auto found = index.find(target);
      if (found == index.end())
        throw DataError(file, taxonomy.synsets[s].line, "pointer_offset", "hyponym " + std::to_string(target) + " is not a noun synset here");
      if (found->second == static_cast<int32_t>(s)) continue;  // a self-loop would make a query its own positive
      taxonomy.children[s].push_back(found->second);
      taxonomy.parents[static_cast<std::size_t>(found->second)].push_back(static_cast<int32_t>(s));
    }
  return taxonomy;
}

void add_documents(Dataset& dataset, const Taxonomy& taxonomy) {
  for (const auto& synset : taxonomy.synsets) {
    std::string title;
    for (const auto& lemma : synset.lemmas) title += (title.empty() ? "" : ", ") + lemma;
    dataset.passage_ids.push_back(synset_id(synset.offset));
    dataset.passage_texts.push_back(title + ": " + synset.definition);
    dataset.passage_titles.push_back(std::move(title));
  }
}

// Queries: synsets with enough direct hyponyms, optionally a seeded sample of them (in file order).
std::vector<int32_t> choose_queries(const Taxonomy& taxonomy, const WordNetConfig& config) {
  std::vector<int32_t> chosen;
  for (std::size_t s = 0; s < taxonomy.synsets.size(); ++s)
    if (static_cast<int>(taxonomy.children[s].size()) >= config.min_hyponyms) chosen.push_back(static_cast<int32_t>(s));
  if (config.max_queries > 0 && static_cast<std::size_t>(config.max_queries) < chosen.size()) {
    auto rank = [&](int32_t s) { return util::stable_hash(synset_id(taxonomy.synsets[static_cast<std::size_t>(s)].offset), config.seed + 1); };
    std::sort(chosen.begin(), chosen.end(), [&](int32_t a, int32_t b) { return rank(a) < rank(b); });
    chosen.resize(static_cast<std::size_t>(config.max_queries));
    std::sort(chosen.begin(), chosen.end());
  }
  return chosen;
}

std::vector<Judgment> judge(const Taxonomy& taxonomy, int32_t query) {
  std::vector<Judgment> judged;
  std::unordered_set<int32_t> seen{query};
  for (int32_t child : taxonomy.children[static_cast<std::size_t>(query)])
    if (seen.insert(child).second) judged.push_back({child, 2.0f, 0, false});
  for (int32_t child : taxonomy.children[static_cast<std::size_t>(query)])
    for (int32_t grandchild : taxonomy.children[static_cast<std::size_t>(child)])
      if (seen.insert(grandchild).second) judged.push_back({grandchild, 1.0f, 0, false});
  return judged;
}

// Co-hyponyms and their hyponyms: close in meaning, yet not kinds of the query's concept.
std::vector<int32_t> hard_negatives(const Taxonomy& taxonomy, int32_t query, const std::vector<Judgment>& judged,
                                    const WordNetConfig& config) {
  std::unordered_set<int32_t> excluded{query};
  for (const auto& j : judged) excluded.insert(j.passage);
  std::vector<int32_t> siblings, nephews;
  for (int32_t parent : taxonomy.parents[static_cast<std::size_t>(query)])
    for (int32_t sibling : taxonomy.children[static_cast<std::size_t>(parent)]) {
      if (excluded.insert(sibling).second) siblings.push_back(sibling);
      for (int32_t nephew : taxonomy.children[static_cast<std::size_t>(sibling)])
        if (!excluded.count(nephew)) nephews.push_back(nephew);
    }
  util::Rng rng(util::stable_hash(synset_id(taxonomy.synsets[static_cast<std::size_t>(query)].offset), config.seed + 2));
  rng.shuffle(siblings);
  rng.shuffle(nephews);
  std::vector<int32_t> negatives = siblings;  // siblings first: the closest confusions
  for (int32_t nephew : nephews)
    if (excluded.insert(nephew).second) negatives.push_back(nephew);
  if (negatives.size() > static_cast<std::size_t>(config.max_hard_negatives))
    negatives.resize(static_cast<std::size_t>(config.max_hard_negatives));
  return negatives;
}

enum Split { kTrain = 0, kDev = 1, kTest = 2 };

// By a hash of the synset id, not its position, so max_queries or a new WordNet release does
// not move queries between splits.
Split split_by_hash(const std::string& id, const WordNetConfig& config) {
  const double draw = static_cast<double>(util::stable_hash(id, config.seed) >> 11) * 0x1.0p-53;
  return draw < config.dev_fraction ? kDev : draw < config.dev_fraction + config.test_fraction ? kTest : kTrain;
}

// Zero-shot: whole lexicographer files (noun.animal, noun.food, ...) per split, in a seeded order,
// test first until it holds test_fraction of the queries, then dev, the rest train.
std::vector<Split> split_by_lexicographer_file(const Taxonomy& taxonomy, const std::vector<int32_t>& queries,
                                               const WordNetConfig& config) {
  std::map<uint32_t, std::size_t> per_file;
  for (int32_t q : queries) ++per_file[taxonomy.synsets[static_cast<std::size_t>(q)].lexicographer_file];
  std::vector<uint32_t> files;
  for (const auto& entry : per_file) files.push_back(entry.first);
  std::sort(files.begin(), files.end(), [&](uint32_t a, uint32_t b) {
    return util::stable_hash(std::to_string(a), config.seed) < util::stable_hash(std::to_string(b), config.seed);
  });
  const auto total = static_cast<double>(queries.size());
  std::map<uint32_t, Split> split_of_file;
  std::size_t test = 0, dev = 0;
  for (uint32_t file : files) {
    Split split = kTrain;
    if (static_cast<double>(test) < config.test_fraction * total) {
      split = kTest;
      test += per_file[file];
    } else if (static_cast<double>(dev) < config.dev_fraction * total) {
      split = kDev;
      dev += per_file[file];
    }
    split_of_file[file] = split;
  }
  std::vector<Split> splits;
  for (int32_t q : queries) splits.push_back(split_of_file[taxonomy.synsets[static_cast<std::size_t>(q)].lexicographer_file]);
  return splits;
}

}  // namespace

Dataset make_wordnet(const WordNetConfig& config) {
  if (config.split_by != "hash" && config.split_by != "lexicographer_file")
    throw std::invalid_argument("wordnet dataset: split_by must be hash or lexicographer_file, not '" + config.split_by + "'");
  if (config.min_hyponyms < 1 || config.max_queries < 0 || config.max_hard_negatives < 0 || config.dev_fraction < 0 ||
      config.test_fraction < 0 || config.dev_fraction + config.test_fraction >= 1)
    throw std::invalid_argument("wordnet dataset: need min_hyponyms >= 1, max_queries >= 0, max_hard_negatives >= 0 and "
                                "dev_fraction + test_fraction < 1");
  const Taxonomy taxonomy = read_taxonomy(config.directory + "/data.noun");
  Dataset dataset;
  dataset.name = "wordnet-nouns";
  dataset.label_sources = {"human"};  // WordNet's lexicographers
  add_documents(dataset, taxonomy);
  const std::vector<int32_t> queries = choose_queries(taxonomy, config);
  const std::vector<Split> by_file =
      config.split_by == "lexicographer_file" ? split_by_lexicographer_file(taxonomy, queries, config) : std::vector<Split>{};
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const int32_t synset = queries[i];
    const Synset& source = taxonomy.synsets[static_cast<std::size_t>(synset)];
    const auto query = static_cast<int32_t>(dataset.query_ids.size());
    const std::string id = synset_id(source.offset);
    dataset.query_ids.push_back(id);
    dataset.query_texts.push_back("kinds of " + source.lemmas.front() + (config.long_queries ? ": " + source.definition : ""));
    dataset.judgments.push_back(judge(taxonomy, synset));
    dataset.hard_negatives.push_back(hard_negatives(taxonomy, synset, dataset.judgments.back(), config));
    const Split split = by_file.empty() ? split_by_hash(id, config) : by_file[i];
    (split == kDev ? dataset.dev_queries : split == kTest ? dataset.test_queries : dataset.train_queries).push_back(query);
  }
  return dataset;
}

}  // namespace multipos::data
