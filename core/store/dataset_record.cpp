#include "core/store/dataset_record.hpp"

#include <stdexcept>

namespace multipos::store {

namespace {

// Reads json[key] as T, naming the source and the field path when it is missing or mistyped.
template <typename T>
T field(const nlohmann::json& json, const char* key, const std::string& source, const std::string& path) {
  const auto found = json.find(key);
  if (found == json.end()) throw std::invalid_argument(source + ": field '" + path + key + "': missing");
  try {
    return found->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(source + ": field '" + path + key + "': unexpected type (" + found->type_name() + ")");
  }
}

const nlohmann::json& object_field(const nlohmann::json& json, const char* key, const std::string& source,
                                   const std::string& path) {
  const auto found = json.find(key);
  if (found == json.end() || !found->is_object())
    throw std::invalid_argument(source + ": field '" + path + key + "': missing or not an object");
  return *found;
}

void read_histogram(const nlohmann::json& per_query, const std::string& source, const std::string& path,
                    SplitStats& split) {
  const auto histogram = per_query.find("histogram");
  if (histogram == per_query.end() || !histogram->is_array())
    throw std::invalid_argument(source + ": field '" + path + "histogram': missing or not an array");
  for (const auto& bucket : *histogram) {
    if (!bucket.is_object())
      throw std::invalid_argument(source + ": field '" + path + "histogram': an entry is not an object");
    split.positives_histogram.emplace_back(field<std::string>(bucket, "positives", source, path + "histogram[]."),
                                           field<std::size_t>(bucket, "queries", source, path + "histogram[]."));
  }
}

SplitStats split_from_json(const std::string& name, const nlohmann::json& json, const std::string& source) {
  const std::string path = "splits." + name + ".";
  SplitStats split;
  split.name = name;
  split.queries = field<std::size_t>(json, "queries", source, path);
  split.queries_with_positives = field<std::size_t>(json, "queries_with_positives", source, path);
  split.positives = field<std::size_t>(json, "positives", source, path);
  split.false_positives = field<std::size_t>(json, "false_positives", source, path);
  split.hard_negatives = field<std::size_t>(json, "hard_negatives", source, path);
  const nlohmann::json& per_query = object_field(json, "positives_per_query", source, path);
  const std::string per_query_path = path + "positives_per_query.";
  split.min_positives = field<std::size_t>(per_query, "min", source, per_query_path);
  split.median_positives = field<double>(per_query, "median", source, per_query_path);
  split.mean_positives = field<double>(per_query, "mean", source, per_query_path);
  split.max_positives = field<std::size_t>(per_query, "max", source, per_query_path);
  read_histogram(per_query, source, per_query_path, split);
  split.grades = field<std::map<std::string, std::size_t>>(json, "grades", source, path);
  split.label_sources = field<std::map<std::string, std::size_t>>(json, "label_sources", source, path);
  split.mean_query_words = field<double>(json, "mean_query_words", source, path);
  return split;
}

}  // namespace

nlohmann::json stats_to_json(const DatasetStats& stats) {
  nlohmann::json out = {{"name", stats.name},
                        {"passages", stats.passages},
                        {"queries", stats.queries},
                        {"queries_in_no_split", stats.queries_in_no_split},
                        {"mean_passage_words", stats.mean_passage_words},
                        {"notes", stats.notes},
                        {"splits", nlohmann::json::object()}};
  for (const auto& split : stats.splits) {
    nlohmann::json histogram = nlohmann::json::array();
    for (const auto& [bucket, count] : split.positives_histogram)
      histogram.push_back({{"positives", bucket}, {"queries", count}});
    out["splits"][split.name] = {{"queries", split.queries},
                                 {"queries_with_positives", split.queries_with_positives},
                                 {"positives", split.positives},
                                 {"false_positives", split.false_positives},
                                 {"hard_negatives", split.hard_negatives},
                                 {"positives_per_query",
                                  {{"min", split.min_positives},
                                   {"median", split.median_positives},
                                   {"mean", split.mean_positives},
                                   {"max", split.max_positives},
                                   {"histogram", histogram}}},
                                 {"grades", split.grades},
                                 {"label_sources", split.label_sources},
                                 {"mean_query_words", split.mean_query_words}};
  }
  return out;
}

DatasetStats stats_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw std::invalid_argument(source + ": dataset statistics: not a JSON object");
  DatasetStats stats;
  stats.name = field<std::string>(json, "name", source, "");
  stats.passages = field<std::size_t>(json, "passages", source, "");
  stats.queries = field<std::size_t>(json, "queries", source, "");
  stats.queries_in_no_split = field<std::size_t>(json, "queries_in_no_split", source, "");
  stats.mean_passage_words = field<double>(json, "mean_passage_words", source, "");
  stats.notes = field<std::vector<std::string>>(json, "notes", source, "");
  const nlohmann::json& splits = object_field(json, "splits", source, "");
  // The order compute_stats writes them in (a JSON object keeps its keys sorted), then any other.
  for (const char* name : {"train", "dev", "test"}) {
    const auto split = splits.find(name);
    if (split == splits.end()) continue;
    if (!split->is_object()) throw std::invalid_argument(source + ": field 'splits." + name + "': not an object");
    stats.splits.push_back(split_from_json(name, *split, source));
  }
  for (const auto& [name, split] : splits.items()) {
    if (name == "train" || name == "dev" || name == "test") continue;
    if (!split.is_object()) throw std::invalid_argument(source + ": field 'splits." + name + "': not an object");
    stats.splits.push_back(split_from_json(name, split, source));
  }
  return stats;
}

}  // namespace multipos::store
