#include "core/data/dataset_factory.hpp"

#include <algorithm>
#include <filesystem>

#include "core/data/beir_loader.hpp"
#include "core/data/bm25_negatives.hpp"
#include "core/data/label_regime.hpp"
#include "core/data/msmarco_loader.hpp"
#include "core/data/synthetic.hpp"
#include "core/data/tevatron_loader.hpp"
#include "core/data/trec_loader.hpp"
#include "core/data/wordnet.hpp"
#include "core/util/component_kinds.hpp"
#include "core/util/config_reader.hpp"

namespace multipos::data {

namespace {

// The fields a dataset kind accepts (util::dataset_kinds, the table the studio offers too).
const std::vector<std::string>& fields_of(const char* kind) { return util::find_dataset_kind(kind)->fields; }

SyntheticConfig synthetic_config(const util::ConfigReader& spec) {
  spec.reject_unknown(fields_of("synthetic"));
  SyntheticConfig c;
  // graded: three grades and many positives per query (the defaults below, each overridable).
  if (spec.flag("graded", false)) c = graded_synthetic_config();
  c.topics = static_cast<int>(spec.integer("topics", c.topics, 1, 100000));
  c.subtopics_per_topic = static_cast<int>(spec.integer("subtopics_per_topic", c.subtopics_per_topic, 2, 1000));
  c.queries_per_subtopic = static_cast<int>(spec.integer("queries_per_subtopic", c.queries_per_subtopic, 1, 1000));
  c.min_positives = static_cast<int>(spec.integer("min_positives", c.min_positives, 1, 100));
  c.max_positives = static_cast<int>(spec.integer("max_positives", c.max_positives, c.min_positives, 100));
  c.max_judged_per_query = static_cast<int>(spec.integer("max_judged_per_query", std::max(c.max_judged_per_query, c.max_positives), c.max_positives, 100000));
  c.on_topic_grade = static_cast<float>(spec.number("on_topic_grade", c.on_topic_grade, 0.01, 100));
  c.strong_grade = static_cast<float>(spec.number("strong_grade", c.strong_grade, 0.01, 100));
  c.weak_grade = static_cast<float>(spec.number("weak_grade", c.weak_grade, 0.01, 100));
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

// A file or directory the spec names; relative paths are relative to the working directory.
std::string existing_path(const util::ConfigReader& spec, const std::string& key, bool directory) {
  if (!spec.has(key)) spec.fail(key, "missing: the dataset's " + std::string(directory ? "directory" : "file"));
  std::string path = spec.text(key, "");
  std::error_code error;
  if (directory ? !std::filesystem::is_directory(path, error) : !std::filesystem::is_regular_file(path, error))
    spec.fail(key, "'" + path + "' is not " + (directory ? "a directory" : "a file"));
  return path;
}

std::vector<std::string> split_names(const util::ConfigReader& spec, const nlohmann::json& node, const std::string& key) {
  std::vector<std::string> names;
  if (!node.contains(key)) return names;
  const auto& list = node.at(key);
  if (!list.is_array()) spec.fail(key, "expected an array of split names (train, dev, test)");
  for (const auto& item : list) {
    if (!item.is_string() || (item != "train" && item != "dev" && item != "test"))
      spec.fail(key, "expected split names train, dev or test, got " + item.dump());
    names.push_back(item.get<std::string>());
  }
  return names;
}

Dataset load_beir_spec(const util::ConfigReader& spec, const nlohmann::json& node) {
  spec.reject_unknown(fields_of("beir"));
  BeirOptions options;
  options.lenient = spec.flag("lenient", false);
  options.require_splits = split_names(spec, node, "require_splits");
  return load_beir(existing_path(spec, "path", true), options);
}

Dataset load_msmarco_spec(const util::ConfigReader& spec, const nlohmann::json& node) {
  spec.reject_unknown(fields_of("msmarco"));
  MsMarcoOptions options;
  options.lenient = spec.flag("lenient", false);
  options.require_splits = split_names(spec, node, "require_splits");
  return load_msmarco(existing_path(spec, "path", true), options);
}

Dataset load_trec_spec(const util::ConfigReader& spec) {
  spec.reject_unknown(fields_of("trec"));
  TrecFiles files;
  files.corpus = existing_path(spec, "corpus", false);
  files.queries = existing_path(spec, "queries", false);
  files.qrels = existing_path(spec, "qrels", false);
  TrecOptions options;
  options.lenient = spec.flag("lenient", false);
  options.split = spec.choice("split", "test", {"test", "dev"});
  return load_trec(files, options);
}

Dataset load_tevatron_spec(const util::ConfigReader& spec) {
  spec.reject_unknown(fields_of("tevatron"));
  TevatronOptions options;
  options.lenient = spec.flag("lenient", false);
  if (spec.has("dev_path")) options.dev_file = existing_path(spec, "dev_path", false);
  return load_tevatron(existing_path(spec, "path", false), options);
}

Dataset load_wordnet_spec(const util::ConfigReader& spec) {
  spec.reject_unknown(fields_of("wordnet"));
  WordNetConfig c;
  c.long_queries = spec.flag("long_queries", c.long_queries);
  c.min_hyponyms = static_cast<int>(spec.integer("min_hyponyms", c.min_hyponyms, 1, 1000));
  c.max_queries = static_cast<int>(spec.integer("max_queries", c.max_queries, 0, 10000000));
  c.max_hard_negatives = static_cast<int>(spec.integer("max_hard_negatives", c.max_hard_negatives, 0, 100000));
  c.dev_fraction = spec.number("dev_fraction", c.dev_fraction, 0, 0.5);
  c.test_fraction = spec.number("test_fraction", c.test_fraction, 0, 0.5);
  c.split_by = spec.choice("split_by", c.split_by, {"hash", "lexicographer_file"});
  c.seed = static_cast<uint64_t>(spec.integer("seed", static_cast<int64_t>(c.seed), 0, int64_t{1} << 62));
  if (spec.has("path")) c.directory = existing_path(spec, "path", true);
  if (!std::filesystem::exists(c.directory + "/data.noun"))
    spec.fail("path", "no data.noun in '" + c.directory + "' (install Debian's wordnet-base, or point path at a WordNet dict directory)");
  return make_wordnet(c);
}

struct LabelOptions {
  RegimeConfig regime;
  NoiseConfig noise;
  bool bm25_negatives = false;
  Bm25NegativesOptions negatives;
};

void read_negative_options(const util::ConfigReader& spec, const nlohmann::json& node, LabelOptions& options) {
  if (!spec.has("hard_negatives")) return;
  const util::ConfigReader negatives = spec.child("hard_negatives");
  if (!negatives.has("kind")) negatives.fail("kind", "missing: \"bm25\" or \"checkpoint\"");
  if (negatives.choice("kind", "bm25", {"bm25", "checkpoint"}) == "checkpoint") {
    // Mined from a trained encoder's top-k by core/train (it needs LibTorch); checked there.
    negatives.reject_unknown({"kind", "dir", "top_k", "per_query", "splits"});
    return;
  }
  negatives.reject_unknown({"kind", "top_k", "per_query", "splits", "cache"});
  options.bm25_negatives = true;
  Bm25NegativesOptions& n = options.negatives;
  n.top_k = static_cast<int>(negatives.integer("top_k", n.top_k, 1, 10000));
  n.per_query = static_cast<int>(negatives.integer("per_query", n.per_query, 0, 100000));
  if (node.at("hard_negatives").contains("splits")) n.splits = split_names(negatives, node.at("hard_negatives"), "splits");
  n.use_cache = negatives.flag("cache", n.use_cache);
}

LabelOptions read_label_options(const util::ConfigReader& spec, const nlohmann::json& node) {
  LabelOptions options;
  read_negative_options(spec, node, options);
  const util::ConfigReader regime = spec.child("regime");
  regime.reject_unknown({"name", "threshold", "max_positives", "seed"});
  RegimeConfig& r = options.regime;
  r.regime = parse_regime(regime.choice("name", "as_labelled", {"as_labelled", "human_single", "llm_dense", "mixed"}));
  r.threshold = static_cast<float>(regime.number("threshold", r.threshold, -1e6, 1e6));
  r.max_positives = static_cast<int>(regime.integer("max_positives", r.max_positives, 0, 100000));
  r.seed = static_cast<uint64_t>(regime.integer("seed", static_cast<int64_t>(r.seed), 0, int64_t{1} << 62));

  const util::ConfigReader noise = spec.child("noise");
  noise.reject_unknown({"false_positive_rate", "drop_rate", "max_positives", "seed"});
  NoiseConfig& n = options.noise;
  n.false_positive_rate = noise.number("false_positive_rate", n.false_positive_rate, 0, 0.95);
  n.drop_rate = noise.number("drop_rate", n.drop_rate, 0, 1);
  n.max_positives = static_cast<int>(noise.integer("max_positives", n.max_positives, 0, 100000));
  n.seed = static_cast<uint64_t>(noise.integer("seed", static_cast<int64_t>(n.seed), 0, int64_t{1} << 62));
  return options;
}

}  // namespace

Dataset load_dataset(const nlohmann::json& spec, const std::string& source) {
  util::ConfigReader reader(spec, source, "dataset");
  const std::string kind = reader.choice("kind", "synthetic", util::kind_names(util::dataset_kinds()));
  // Read the label options before loading, so a misspelt field fails fast rather than after a
  // long load; they are applied (to the train split only) once the dataset is in memory.
  const LabelOptions labels = read_label_options(reader, spec);
  Dataset dataset = kind == "beir"       ? load_beir_spec(reader, spec)
                    : kind == "msmarco"  ? load_msmarco_spec(reader, spec)
                    : kind == "trec"     ? load_trec_spec(reader)
                    : kind == "tevatron" ? load_tevatron_spec(reader)
                    : kind == "wordnet"  ? load_wordnet_spec(reader)
                                         : make_synthetic(synthetic_config(reader));
  // Before the regime and noise: negatives must exclude every loaded positive (a regime may drop
  // true positives from training, which must not then come back as negatives), and injected
  // false positives are drawn from hard negatives, so BM25 near-misses make realistic ones.
  if (labels.bm25_negatives) mine_bm25_negatives(dataset, labels.negatives);
  apply_regime(dataset, labels.regime);
  apply_noise(dataset, labels.noise);
  return dataset;
}

nlohmann::json dataset_spec_for(const std::string& what) {
  if (what == "wordnet" || what == "synthetic") return {{"kind", what}};
  std::error_code error;
  if (std::filesystem::is_directory(what, error)) return {{"kind", "beir"}, {"path", what}};
  if (std::filesystem::is_regular_file(what, error)) return {{"kind", "tevatron"}, {"path", what}};
  throw std::invalid_argument("'" + what + "' is neither wordnet, synthetic, a BEIR directory nor a Tevatron file");
}

}  // namespace multipos::data
