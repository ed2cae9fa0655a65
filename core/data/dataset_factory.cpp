#include "core/data/dataset_factory.hpp"

#include <algorithm>

#include "core/data/synthetic.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::data {

namespace {

SyntheticConfig synthetic_config(const util::ConfigReader& spec) {
  spec.reject_unknown({"kind", "topics", "subtopics_per_topic", "queries_per_subtopic", "min_positives",
                       "max_positives", "max_judged_per_query", "on_topic_grade", "distractors_per_subtopic", "background_words", "subtopic_words_per_passage", "background_words_per_passage", "lexical_overlap", "false_positive_rate",
                       "dev_fraction", "test_fraction", "seed"});
  SyntheticConfig c;
  c.topics = static_cast<int>(spec.integer("topics", c.topics, 1, 100000));
  c.subtopics_per_topic = static_cast<int>(spec.integer("subtopics_per_topic", c.subtopics_per_topic, 2, 1000));
  c.queries_per_subtopic = static_cast<int>(spec.integer("queries_per_subtopic", c.queries_per_subtopic, 1, 1000));
  c.min_positives = static_cast<int>(spec.integer("min_positives", c.min_positives, 1, 100));
  c.max_positives = static_cast<int>(spec.integer("max_positives", c.max_positives, c.min_positives, 100));
  c.max_judged_per_query = static_cast<int>(spec.integer("max_judged_per_query", std::max(c.max_judged_per_query, c.max_positives), c.max_positives, 100000));
  c.on_topic_grade = static_cast<float>(spec.number("on_topic_grade", c.on_topic_grade, 0.01, 100));
  c.distractors_per_subtopic =
      static_cast<int>(spec.integer("distractors_per_subtopic", c.distractors_per_subtopic, 0, 1000));
  c.background_words = static_cast<int>(spec.integer("background_words", c.background_words, 10, 1000000));
  c.subtopic_words_per_passage = static_cast<int>(spec.integer("subtopic_words_per_passage", c.subtopic_words_per_passage, 0, 1000));
  c.background_words_per_passage = static_cast<int>(spec.integer("background_words_per_passage", c.background_words_per_passage, 0, 10000));
  c.lexical_overlap = spec.number("lexical_overlap", c.lexical_overlap, 0, 1);
  c.false_positive_rate = spec.number("false_positive_rate", c.false_positive_rate, 0, 1);
  c.dev_fraction = spec.number("dev_fraction", c.dev_fraction, 0, 0.5);
  c.test_fraction = spec.number("test_fraction", c.test_fraction, 0, 0.5);
  c.seed = static_cast<uint64_t>(spec.integer("seed", static_cast<int64_t>(c.seed), 0, int64_t{1} << 62));
  return c;
}

}  // namespace

Dataset load_dataset(const nlohmann::json& spec, const std::string& source) {
  util::ConfigReader reader(spec, source, "dataset");
  std::string kind = reader.choice("kind", "synthetic", {"synthetic"});
  (void)kind;
  return make_synthetic(synthetic_config(reader));
}

}  // namespace multipos::data
