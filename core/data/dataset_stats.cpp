#include "core/data/dataset_stats.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "core/data/dataset_factory.hpp"

namespace multipos::data {

namespace {

std::size_t count_words(const std::string& text) {
  std::size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    words += !space && !in_word;
    in_word = !space;
  }
  return words;
}

double mean_words(const std::vector<std::string>& texts, const std::vector<int32_t>* subset) {
  std::size_t total = 0, count = 0;
  if (subset) {
    for (int32_t i : *subset) total += count_words(texts[static_cast<std::size_t>(i)]), ++count;
  } else {
    for (const auto& text : texts) total += count_words(text), ++count;
  }
  return count ? static_cast<double>(total) / static_cast<double>(count) : 0.0;
}

std::string grade_text(float grade) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(grade));
  return buffer;
}

std::size_t bucket_of(std::size_t positives) {
  if (positives <= 2) return positives;
  if (positives <= 4) return 3;
  if (positives <= 8) return 4;
  if (positives <= 16) return 5;
  if (positives <= 32) return 6;
  return 7;
}

SplitStats split_stats(const Dataset& dataset, const std::string& name) {
  static const char* const kBuckets[] = {"0", "1", "2", "3-4", "5-8", "9-16", "17-32", "33+"};
  SplitStats stats;
  stats.name = name;
  for (const char* bucket : kBuckets) stats.positives_histogram.emplace_back(bucket, 0);
  const auto& queries = dataset.split(name);
  stats.queries = queries.size();
  std::vector<std::size_t> counts;
  for (int32_t q : queries) {
    const auto& judged = dataset.judgments[static_cast<std::size_t>(q)];
    counts.push_back(judged.size());
    stats.queries_with_positives += !judged.empty();
    stats.positives += judged.size();
    stats.hard_negatives += dataset.hard_negatives[static_cast<std::size_t>(q)].size();
    ++stats.positives_histogram[bucket_of(judged.size())].second;
    for (const auto& j : judged) {
      stats.false_positives += j.is_false_positive;
      ++stats.grades[grade_text(j.grade)];
      const auto source = static_cast<std::size_t>(j.label_source);
      ++stats.label_sources[source < dataset.label_sources.size() ? dataset.label_sources[source] : "?"];
    }
  }
  if (!counts.empty()) {
    std::sort(counts.begin(), counts.end());
    stats.min_positives = counts.front();
    stats.max_positives = counts.back();
    const std::size_t mid = counts.size() / 2;
    stats.median_positives = counts.size() % 2 ? static_cast<double>(counts[mid])
                                               : 0.5 * static_cast<double>(counts[mid - 1] + counts[mid]);
    stats.mean_positives = static_cast<double>(stats.positives) / static_cast<double>(counts.size());
  }
  stats.mean_query_words = mean_words(dataset.query_texts, &queries);
  return stats;
}

}  // namespace

DatasetStats compute_stats(const Dataset& dataset) {
  DatasetStats stats;
  stats.name = dataset.name;
  stats.passages = dataset.num_passages();
  stats.queries = dataset.num_queries();
  stats.mean_passage_words = mean_words(dataset.passage_texts, nullptr);
  std::size_t in_split = 0;
  for (const char* name : {"train", "dev", "test"}) {
    stats.splits.push_back(split_stats(dataset, name));
    in_split += stats.splits.back().queries;
  }
  stats.queries_in_no_split = stats.queries >= in_split ? stats.queries - in_split : 0;
  stats.notes = dataset.notes;
  return stats;
}

std::string format_stats(const DatasetStats& stats) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << "dataset " << stats.name << ": " << stats.passages << " passages (mean " << stats.mean_passage_words
      << " words), " << stats.queries << " queries";
  if (stats.queries_in_no_split) out << " (" << stats.queries_in_no_split << " in no split)";
  out << "\n";
  for (const auto& split : stats.splits) {
    out << "\n" << split.name << ": " << split.queries << " queries (" << split.queries_with_positives
        << " with positives, mean " << split.mean_query_words << " words), " << split.positives << " positives, "
        << split.false_positives << " known false, " << split.hard_negatives << " hard negatives\n";
    if (split.queries == 0) continue;
    out << "  positives per query: min " << split.min_positives << ", median " << split.median_positives << ", mean "
        << split.mean_positives << ", max " << split.max_positives << "\n  histogram:";
    for (const auto& [bucket, count] : split.positives_histogram) out << " " << bucket << ":" << count;
    out << "\n  grades:";
    for (const auto& [grade, count] : split.grades) out << " " << grade << ":" << count;
    out << "\n  label sources:";
    for (const auto& [source, count] : split.label_sources) out << " " << source << ":" << count;
    out << "\n";
  }
  if (!stats.notes.empty()) out << "\nnotes:\n";
  for (const auto& note : stats.notes) out << "  - " << note << "\n";
  return out.str();
}

std::string load_and_describe(const nlohmann::json& spec, const std::string& source) {
  const auto started = std::chrono::steady_clock::now();
  const DatasetStats stats = compute_stats(load_dataset(spec, source));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string splits;
  for (const auto& split : stats.splits) splits += (splits.empty() ? "" : " / ") + std::to_string(split.queries);
  char loaded[48];
  std::snprintf(loaded, sizeof loaded, "loaded in %.2f s", seconds);
  return std::to_string(stats.passages) + " passages, " + std::to_string(stats.queries) +
         " queries (train / dev / test " + splits + "), " + loaded;
}

}  // namespace multipos::data
