#include "core/util/component_kinds.hpp"

namespace multipos::util {

namespace {

// A dataset kind's fields: its own plus the label options every kind takes.
std::vector<std::string> with_label_fields(std::vector<std::string> own) {
  std::vector<std::string> fields = {"kind"};
  fields.insert(fields.end(), dataset_label_fields().begin() + 1, dataset_label_fields().end());
  fields.insert(fields.end(), own.begin(), own.end());
  return fields;
}

const ComponentKind* find(const std::vector<ComponentKind>& kinds, const std::string& name) {
  for (const auto& kind : kinds)
    if (kind.name == name) return &kind;
  return nullptr;
}

}  // namespace

const std::vector<std::string>& dataset_label_fields() {
  static const std::vector<std::string> fields = {"kind", "regime", "noise", "hard_negatives"};
  return fields;
}

const std::vector<ComponentKind>& dataset_kinds() {
  static const std::vector<ComponentKind> kinds = {
      {"synthetic",
       {},
       with_label_fields({"topics", "subtopics_per_topic", "queries_per_subtopic", "min_positives", "max_positives",
                          "max_judged_per_query", "on_topic_grade", "distractors_per_subtopic", "background_words",
                          "subtopic_words_per_passage", "background_words_per_passage", "lexical_overlap",
                          "false_positive_rate", "dev_fraction", "test_fraction", "seed", "graded", "strong_grade",
                          "weak_grade"}),
       "the built-in demo: generated topics, several positives per query, planted false positives"},
      {"wordnet",
       {},
       with_label_fields({"path", "long_queries", "min_hyponyms", "max_queries", "max_hard_negatives", "dev_fraction",
                          "test_fraction", "split_by", "seed"}),
       "built from Debian's wordnet-base: a synset's gloss finds its hyponyms' glosses (many positives)"},
      {"beir", {"path"}, with_label_fields({"path", "lenient", "require_splits"}),
       "a BEIR folder: corpus.jsonl, queries.jsonl, qrels/{train,dev,test}.tsv"},
      {"tevatron", {"path"}, with_label_fields({"path", "dev_path", "lenient"}),
       "a Tevatron JSONL file: one query per line with its positive and negative passages"},
      {"msmarco", {"path"}, with_label_fields({"path", "lenient", "require_splits"}),
       "an MS MARCO folder: collection.tsv, queries.*.tsv, qrels.*.tsv"},
      {"trec", {"corpus", "queries", "qrels"}, with_label_fields({"corpus", "queries", "qrels", "split", "lenient"}),
       "TREC files: a corpus, topics and qrels (evaluation only)"},
  };
  return kinds;
}

const std::vector<ComponentKind>& encoder_kinds() {
  static const std::vector<ComponentKind> kinds = {
      {"bag",
       {},
       {"kind", "buckets", "embedding_dim", "output_dim", "char_ngram_min", "char_ngram_max", "word_bigrams",
        "projection", "word_vectors"},
       "hashed bag of words and character n-grams: trains in seconds on a CPU"},
      {"transformer",
       {},
       {"kind", "layers", "width", "heads", "ffn", "query_max_length", "passage_max_length", "dropout", "pooling",
        "vocab", "buckets"},
       "a small Transformer trained from scratch"},
      {"bert",
       {},
       {"kind", "model", "pooling", "normalize", "towers", "query_max_length", "passage_max_length", "query_prefix",
        "passage_prefix", "dropout"},
       "a pretrained BERT-family model folder (MiniLM, ...) fine-tuned"},
  };
  return kinds;
}

const ComponentKind* find_dataset_kind(const std::string& name) { return find(dataset_kinds(), name); }
const ComponentKind* find_encoder_kind(const std::string& name) { return find(encoder_kinds(), name); }

std::vector<std::string> kind_names(const std::vector<ComponentKind>& kinds) {
  std::vector<std::string> names;
  for (const auto& kind : kinds) names.push_back(kind.name);
  return names;
}

}  // namespace multipos::util
