#include "core/data/synthetic.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "core/util/rng.hpp"

namespace multipos::data {

namespace {

using util::Rng;

// Pronounceable made-up words, unique across the whole vocabulary, so topics share no words by
// accident and the char n-gram encoder sees realistic sub-word structure.
class WordFactory {
 public:
  explicit WordFactory(Rng& rng) : rng_(rng) {}
  std::string make() {
    static const char* onsets[] = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
                                   "br", "st", "tr", "pl", "gr", "sh", "ch", "th"};
    static const char* vowels[] = {"a", "e", "i", "o", "u", "ai", "ou", "ea"};
    for (;;) {
      std::string word;
      int syllables = 2 + static_cast<int>(rng_.below(2));
      for (int s = 0; s < syllables; ++s) {
        word += onsets[rng_.below(std::size(onsets))];
        word += vowels[rng_.below(std::size(vowels))];
      }
      if (rng_.bernoulli(0.5)) word += "n";
      if (used_.insert(word).second) return word;
    }
  }
  std::vector<std::string> make(int count) {
    std::vector<std::string> words;
    for (int i = 0; i < count; ++i) words.push_back(make());
    return words;
  }

 private:
  Rng& rng_;
  std::unordered_set<std::string> used_;
};

struct Subtopic {
  std::vector<std::string> topic_words;
  std::vector<std::string> words;
};

std::string join_words(std::vector<std::string> words, Rng& rng) {
  rng.shuffle(words);
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

void draw(std::vector<std::string>& out, const std::vector<std::string>& from, int count, Rng& rng) {
  for (int i = 0; i < count; ++i) out.push_back(rng.pick(from));
}

// A passage on a sub-topic; `facet_count` words of the query's own facet make it relevant.
std::string make_passage(const Subtopic& subtopic, const std::vector<std::string>& facet, int facet_count,
                         const std::vector<std::string>& background, const SyntheticConfig& config, Rng& rng) {
  std::vector<std::string> words;
  for (int i = 0; i < facet_count; ++i) words.push_back(facet[static_cast<size_t>(i) % facet.size()]);
  draw(words, subtopic.words, config.subtopic_words_per_passage, rng);
  draw(words, subtopic.topic_words, 3, rng);
  int noise = config.background_words_per_passage;
  draw(words, background, noise / 2 + static_cast<int>(rng.below(static_cast<uint64_t>(noise) + 1)), rng);
  return join_words(words, rng);
}

void validate(const SyntheticConfig& c) {
  if (c.topics < 1 || c.subtopics_per_topic < 2 || c.queries_per_subtopic < 1 || c.min_positives < 1 ||
      c.max_positives < c.min_positives || c.max_judged_per_query < c.max_positives || c.background_words < 10 || c.false_positive_rate < 0 ||
      c.false_positive_rate > 1 || c.lexical_overlap < 0 || c.lexical_overlap > 1 || c.dev_fraction < 0 || c.test_fraction < 0 ||
      c.dev_fraction + c.test_fraction >= 1)
    throw std::invalid_argument(
        "synthetic dataset: need topics >= 1, subtopics_per_topic >= 2, queries_per_subtopic >= 1, "
        "1 <= min_positives <= max_positives <= max_judged_per_query, background_words >= 10, false_positive_rate in [0, 1] and "
        "dev_fraction + test_fraction < 1");
}

int32_t add_passage(Dataset& dataset, std::string text) {
  auto index = static_cast<int32_t>(dataset.passage_ids.size());
  dataset.passage_ids.push_back("d" + std::to_string(index));
  dataset.passage_texts.push_back(std::move(text));
  return index;
}

void split_queries(Dataset& dataset, const SyntheticConfig& config, Rng& rng) {
  std::vector<int32_t> order(dataset.num_queries());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  rng.shuffle(order);
  auto dev = static_cast<size_t>(config.dev_fraction * static_cast<double>(order.size()));
  auto test = static_cast<size_t>(config.test_fraction * static_cast<double>(order.size()));
  dataset.dev_queries.assign(order.begin(), order.begin() + dev);
  dataset.test_queries.assign(order.begin() + dev, order.begin() + dev + test);
  dataset.train_queries.assign(order.begin() + dev + test, order.end());
  for (auto* split : {&dataset.train_queries, &dataset.dev_queries, &dataset.test_queries})
    std::sort(split->begin(), split->end());
}

// One sub-topic's query: an aspect (a pair of the sub-topic's aspect words) that its positives
// mention. Aspect words are shared by the sub-topic's queries, so what a model learns on training
// queries carries over to dev and test queries.
// Distinct aspect pairs for a sub-topic's queries (cycling only past all 15 pairs), so two
// queries rarely ask for the same thing and one's positives are not the other's false negatives.
std::vector<std::vector<std::string>> aspect_pairs(const std::vector<std::string>& aspect_words, int count, Rng& rng) {
  std::vector<std::vector<std::string>> all;
  for (size_t a = 0; a < aspect_words.size(); ++a)
    for (size_t b = a + 1; b < aspect_words.size(); ++b) all.push_back({aspect_words[a], aspect_words[b]});
  rng.shuffle(all);
  std::vector<std::vector<std::string>> chosen;
  for (int i = 0; i < count; ++i) chosen.push_back(all[static_cast<size_t>(i) % all.size()]);
  return chosen;
}

// Queries speak a different vocabulary from passages: each aspect and sub-topic word has a
// query-side synonym, used unless `lexical_overlap` says otherwise. A model must learn the
// mapping from training pairs, so training visibly beats the untrained (lexical) start, and the
// mapping carries over to unseen queries of the same sub-topics.
using Synonyms = std::unordered_map<std::string, std::string>;

void add_synonyms(Synonyms& synonyms, const std::vector<std::string>& passage_words, WordFactory& words) {
  for (const auto& word : passage_words) synonyms.emplace(word, words.make());
}

std::string make_query_text(const Subtopic& subtopic, const std::vector<std::string>& aspect, const Synonyms& synonyms,
                            double lexical_overlap, Rng& rng) {
  std::vector<std::string> passage_side = aspect;
  draw(passage_side, subtopic.words, 2, rng);
  std::vector<std::string> words;
  for (const auto& word : passage_side) words.push_back(rng.bernoulli(lexical_overlap) ? word : synonyms.at(word));
  draw(words, subtopic.topic_words, 1, rng);
  return join_words(words, rng);
}

}  // namespace

Dataset make_synthetic(const SyntheticConfig& config) {
  validate(config);
  Rng rng(config.seed);
  WordFactory words(rng);
  Dataset dataset;
  dataset.name = "synthetic";
  dataset.label_sources = {"human", "llm"};
  const std::vector<std::string> background = words.make(config.background_words);
  Synonyms synonyms;

  for (int t = 0; t < config.topics; ++t) {
    const auto topic_words = words.make(10);
    const size_t first_query = dataset.query_ids.size();
    std::vector<int32_t> topic_passages;  // every passage of the topic: the hard-negative pool
    for (int s = 0; s < config.subtopics_per_topic; ++s) {
      Subtopic subtopic{topic_words, words.make(8)};
      const auto aspect_words = words.make(6);
      add_synonyms(synonyms, subtopic.words, words);
      add_synonyms(synonyms, aspect_words, words);
      for (int d = 0; d < config.distractors_per_subtopic; ++d)
        topic_passages.push_back(add_passage(dataset, make_passage(subtopic, {}, 0, background, config, rng)));
      const auto aspects = aspect_pairs(aspect_words, config.queries_per_subtopic, rng);
      const size_t subtopic_first_query = dataset.query_ids.size();
      std::vector<int32_t> subtopic_passages(topic_passages.end() - config.distractors_per_subtopic, topic_passages.end());
      for (const auto& aspect : aspects) {
        auto query = static_cast<int32_t>(dataset.query_ids.size());
        dataset.query_ids.push_back("q" + std::to_string(query));
        dataset.query_texts.push_back(make_query_text(subtopic, aspect, synonyms, config.lexical_overlap, rng));
        int positives = config.min_positives +
                        static_cast<int>(rng.below(static_cast<uint64_t>(config.max_positives - config.min_positives + 1)));
        std::vector<Judgment> judged;
        for (int p = 0; p < positives; ++p) {
          // Grade 2 mentions both aspect words, grade 1 only one: graded, not all equally easy.
          bool strong = p == 0 || rng.bernoulli(0.5);
          std::vector<std::string> mention = strong ? aspect : std::vector<std::string>{aspect[rng.below(2)]};
          int32_t passage = add_passage(dataset, make_passage(subtopic, mention, strong ? 4 : 2, background, config, rng));
          judged.push_back({passage, strong ? config.strong_grade : config.weak_grade, 1, false});
          topic_passages.push_back(passage);
          subtopic_passages.push_back(passage);
        }
        std::stable_sort(judged.begin(), judged.end(),
                         [](const Judgment& a, const Judgment& b) { return a.grade > b.grade; });
        judged[0].label_source = 0;  // the annotator's top positive is the human label
        dataset.judgments.push_back(std::move(judged));
      }
      // Dense labels: every other passage on the sub-topic is relevant too, with a lower grade
      // (the LLM annotator's "on topic" label). This is the structure a model can learn and carry
      // to unseen queries: the aspect only orders passages within the sub-topic.
      for (size_t query = subtopic_first_query; query < dataset.query_ids.size(); ++query) {
        auto& judged = dataset.judgments[query];
        std::unordered_set<int32_t> own;
        for (const auto& j : judged) own.insert(j.passage);
        for (int32_t passage : subtopic_passages)
          if (!own.count(passage) && static_cast<int>(judged.size()) < config.max_judged_per_query)
            judged.push_back({passage, config.on_topic_grade, 1, false});
      }
    }
    // Hard negatives: the topic's passages not judged for the query. Planted noise: with
    // false_positive_rate, one of them becomes an LLM-labelled positive flagged as false.
    for (size_t query = first_query; query < dataset.query_ids.size(); ++query) {
      std::unordered_set<int32_t> own;
      for (const auto& j : dataset.judgments[query]) own.insert(j.passage);
      std::vector<int32_t> negatives;
      for (int32_t passage : topic_passages)
        if (!own.count(passage)) negatives.push_back(passage);
      rng.shuffle(negatives);
      if (!negatives.empty() && rng.bernoulli(config.false_positive_rate)) {
        // Among the LLM labels at a random place: an annotator does not list its mistakes last,
        // and a wrong label listed last would be cut by max_positives before any objective saw it.
        auto& judged = dataset.judgments[query];
        const auto place = 1 + static_cast<std::ptrdiff_t>(rng.below(std::min<size_t>(judged.size(), 4)));
        judged.insert(judged.begin() + place, {negatives.back(), config.weak_grade, 1, true});
        negatives.pop_back();
      }
      dataset.hard_negatives.push_back(std::move(negatives));
    }
  }
  split_queries(dataset, config, rng);
  return dataset;
}

SyntheticConfig graded_synthetic_config() {
  SyntheticConfig c;
  c.strong_grade = 3.0f;
  c.weak_grade = 2.0f;
  c.on_topic_grade = 1.0f;
  c.min_positives = 4;
  c.max_positives = 10;
  c.max_judged_per_query = 30;
  return c;
}

}  // namespace multipos::data
