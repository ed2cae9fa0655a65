#include "core/objectives/batch_builder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <unordered_set>

#include "core/objectives/registry.hpp"

namespace multipos::objectives {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
constexpr int kRandomPassageAttempts = 1000;

// Uniform index in [0, count). rng() % count has a bias below 2^-40 for our counts, and unlike
// std::uniform_int_distribution it gives the same draws with every standard library.
int64_t draw_index(std::mt19937_64& rng, int64_t count) {
  return static_cast<int64_t>(rng() % static_cast<uint64_t>(count));
}

void append_row(ScoreLayout& layout, const std::string& query_id,
                const std::vector<Positive>& positives, int64_t first_column,
                int64_t group_columns) {
  std::vector<int64_t> positive_columns;
  for (size_t k = 0; k < positives.size(); ++k) {
    const int64_t column = first_column + static_cast<int64_t>(k);
    positive_columns.push_back(column);
    layout.column_grade[column] = positives[k].grade;
    layout.column_label_source[column] = positives[k].label_source;
    layout.column_is_false_positive[column] = positives[k].is_false_positive ? 1 : 0;
  }
  std::vector<int64_t> negative_columns;
  for (int64_t c = first_column + static_cast<int64_t>(positives.size());
       c < first_column + group_columns; ++c)
    negative_columns.push_back(c);
  layout.query_ids.push_back(query_id);
  layout.positive_columns.push_back(std::move(positive_columns));
  layout.own_negative_columns.push_back(std::move(negative_columns));
}

void resize_columns(ScoreLayout& layout, int64_t columns) {
  layout.columns = columns;
  layout.column_grade.assign(columns, 0.0f);
  layout.column_label_source.assign(columns, -1);
  layout.column_is_false_positive.assign(columns, 0);
}

// Uniform double in (0, 1): the top 53 bits, never 0 (so log() below is finite).
double draw_unit(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

}  // namespace

std::vector<size_t> positive_sample_indices(const std::string& scheme, const std::string& query_id,
                                            const std::vector<float>& grades, int max_positives,
                                            uint64_t seed, int64_t epoch) {
  if (!is_positive_sampling_scheme(scheme))
    throw std::invalid_argument("unknown positive_sampling '" + scheme + "' (expected " +
                                positive_sampling_scheme_list() + ")");
  if (max_positives < 1)
    throw std::invalid_argument("positive_sample_indices: max_positives must be >= 1");
  if (epoch < 0) throw std::invalid_argument("positive_sample_indices: negative epoch");
  const size_t m = grades.size();
  const size_t k = std::min(m, static_cast<size_t>(max_positives));
  std::vector<size_t> picked;
  if (scheme == "first" || k == m) {
    picked.resize(k);
    std::iota(picked.begin(), picked.end(), size_t{0});
    return picked;
  }
  if (scheme == "rotate") {
    const auto start = static_cast<uint64_t>(epoch) % m * k % m;
    for (size_t j = 0; j < k; ++j) picked.push_back(static_cast<size_t>((start + j) % m));
    std::sort(picked.begin(), picked.end());
    return picked;
  }
  std::mt19937_64 rng(fnv1a_64(query_id + '\x1f' + std::to_string(seed) + '\x1f' +
                               std::to_string(epoch)));
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  if (scheme == "random") {
    for (size_t j = 0; j < k; ++j)  // partial Fisher-Yates
      std::swap(order[j], order[j + static_cast<size_t>(draw_index(rng, static_cast<int64_t>(m - j)))]);
  } else {  // graded_random: the k largest keys log(u) / w are a weighted draw without replacement
    std::vector<double> key(m);
    for (size_t i = 0; i < m; ++i)
      key[i] = std::log(draw_unit(rng)) / std::max(1e-6, static_cast<double>(grades[i]));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] > key[b]; });
  }
  picked.assign(order.begin(), order.begin() + static_cast<ptrdiff_t>(k));
  std::sort(picked.begin(), picked.end());
  return picked;
}

std::vector<float> grade_levels(const std::vector<QueryCandidates>& queries) {
  std::vector<float> levels;
  for (const auto& query : queries)
    for (const auto& positive : query.positives)
      if (std::find(levels.begin(), levels.end(), positive.grade) == levels.end()) levels.push_back(positive.grade);
  if (levels.size() < 2) return {};
  std::sort(levels.begin(), levels.end(), std::greater<float>());
  return levels;
}

std::string grade_label(float grade) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(grade));
  return buffer;
}

void PositiveUsage::mark(const std::string& query_id, size_t positive_count, size_t index) {
  auto& seen = seen_[query_id];
  if (seen.size() < positive_count) seen.resize(positive_count, 0);
  if (index < seen.size() && seen[index] == 0) {
    seen[index] = 1;
    ++used_;
  }
}

nlohmann::json PositiveUsage::state() const {
  nlohmann::json state = nlohmann::json::object();
  for (const auto& [query_id, seen] : seen_) {
    std::string bits(seen.size(), '0');
    for (size_t i = 0; i < seen.size(); ++i)
      if (seen[i]) bits[i] = '1';
    state[query_id] = bits;
  }
  return state;
}

void PositiveUsage::restore(const nlohmann::json& state) {
  if (!state.is_object()) throw std::invalid_argument("positives_used: expected an object");
  seen_.clear();
  used_ = 0;
  for (const auto& [query_id, bits] : state.items()) {
    if (!bits.is_string()) throw std::invalid_argument("positives_used." + query_id + ": expected a string");
    auto& seen = seen_[query_id];
    for (const char bit : bits.get<std::string>()) {
      if (bit != '0' && bit != '1')
        throw std::invalid_argument("positives_used." + query_id + ": expected only 0 and 1");
      seen.push_back(bit == '1' ? 1 : 0);
      used_ += bit == '1' ? 1 : 0;
    }
  }
}

int64_t ScoreLayout::positive_count(int64_t row) const {
  return static_cast<int64_t>(positive_columns.at(row).size());
}

int64_t ScoreLayout::used_rows() const {
  int64_t used = 0;
  for (const auto& columns : positive_columns) used += columns.empty() ? 0 : 1;
  return used;
}

int64_t ScoreLayout::dropped_rows() const { return rows - used_rows(); }

void ScoreLayout::check() const {
  const auto row_count = static_cast<size_t>(rows);
  const auto column_count = static_cast<size_t>(columns);
  if (positive_columns.size() != row_count || own_negative_columns.size() != row_count ||
      query_ids.size() != row_count)
    throw std::invalid_argument("ScoreLayout: per-row vectors do not have `rows` entries");
  if (column_grade.size() != column_count || column_label_source.size() != column_count ||
      column_is_false_positive.size() != column_count)
    throw std::invalid_argument("ScoreLayout: per-column vectors do not have `columns` entries");
  for (size_t r = 0; r < row_count; ++r)
    for (const auto* list : {&positive_columns[r], &own_negative_columns[r]})
      for (int64_t column : *list)
        if (column < 0 || column >= columns)
          throw std::invalid_argument("ScoreLayout: row " + std::to_string(r) + " names column " +
                                      std::to_string(column) + " outside [0, " +
                                      std::to_string(columns) + ")");
}

uint64_t fnv1a_64(const std::string& bytes) {
  uint64_t hash = kFnvOffset;
  for (const char byte : bytes) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= kFnvPrime;
  }
  return hash;
}

int64_t rand1_rotation_index(const std::string& query_id, uint64_t seed, int64_t epoch,
                             int64_t positive_count) {
  if (positive_count <= 0) throw std::invalid_argument("rand1_rotation_index: no positives");
  if (epoch < 0) throw std::invalid_argument("rand1_rotation_index: negative epoch");
  const auto count = static_cast<uint64_t>(positive_count);
  const uint64_t offset = fnv1a_64(query_id + '\x1f' + std::to_string(seed)) % count;
  return static_cast<int64_t>((offset + static_cast<uint64_t>(epoch) % count) % count);
}

BatchBuilder::BatchBuilder(ObjectiveConfig config, BatchOptions options,
                           RandomPassageFn random_passage)
    : config_(std::move(config)),
      options_(std::move(options)),
      random_passage_(std::move(random_passage)) {
  validate_objective_config(config_, "BatchBuilder");
  if (options_.group_size < 1)
    throw std::invalid_argument("BatchBuilder: group_size must be >= 1, got " +
                                std::to_string(options_.group_size));
  if (options_.max_positives < 1 || options_.max_positives > options_.group_size)
    throw std::invalid_argument("BatchBuilder: max_positives must lie in [1, group_size=" +
                                std::to_string(options_.group_size) + "], got " +
                                std::to_string(options_.max_positives));
  if (!random_passage_) throw std::invalid_argument("BatchBuilder: random_passage is empty");
  if (!is_positive_sampling_scheme(options_.positive_sampling))
    throw std::invalid_argument("BatchBuilder: unknown positive_sampling '" + options_.positive_sampling +
                                "' (expected " + positive_sampling_scheme_list() + ")");
}

std::vector<size_t> BatchBuilder::select_positives(const QueryCandidates& query, int64_t epoch,
                                                   std::mt19937_64& rng, bool& truncated) const {
  const auto& all = query.positives;
  truncated = false;
  if (all.empty()) return {};
  // Every objective draws from the same sampled set of positives (independent of the objective
  // and of the batch RNG), so that runs differ only by the objective.
  std::vector<float> grades;
  for (const auto& positive : all) grades.push_back(positive.grade);
  const std::vector<size_t> candidates = positive_sample_indices(
      options_.positive_sampling, query.query_id, grades, options_.max_positives, options_.seed, epoch);
  truncated = candidates.size() < all.size();
  const PositiveUse use = objective_traits(config_.name).positives;
  if (use == PositiveUse::first_ranked) {  // its one positive: the highest ranked of the sampled set
    truncated = false;
    return {candidates.front()};
  }
  if (use != PositiveUse::drawn_one) return candidates;
  const auto count = static_cast<int64_t>(candidates.size());
  const int64_t index = config_.rand1_draw == "iid"
                            ? draw_index(rng, count)
                            : rand1_rotation_index(query.query_id, options_.seed, epoch, count);
  return {candidates[static_cast<size_t>(index)]};
}

void BatchBuilder::fill_negatives(const QueryCandidates& query, std::vector<int64_t>& group,
                                  std::mt19937_64& rng) const {
  // Never let one of the query's positives (kept or not) pose as its negative.
  std::unordered_set<int64_t> taken(group.begin(), group.end());
  for (const auto& positive : query.positives) taken.insert(positive.passage);
  std::vector<int64_t> pool;
  for (int64_t id : query.hard_negatives)
    if (taken.insert(id).second) pool.push_back(id);
  const auto group_size = static_cast<size_t>(options_.group_size);
  // Partial Fisher-Yates: a uniform sample without replacement from the mined negatives.
  for (size_t k = 0; k < pool.size() && group.size() < group_size; ++k) {
    const auto pick =
        k + static_cast<size_t>(draw_index(rng, static_cast<int64_t>(pool.size() - k)));
    std::swap(pool[k], pool[pick]);
    group.push_back(pool[k]);
  }
  for (int attempt = 0; group.size() < group_size; ++attempt) {
    if (attempt >= kRandomPassageAttempts)
      throw std::runtime_error("BatchBuilder: query '" + query.query_id +
                               "': random_passage kept returning its own passages");
    const int64_t id = random_passage_(rng);
    if (taken.insert(id).second) group.push_back(id);
  }
}

Batch BatchBuilder::build(const std::vector<QueryCandidates>& queries, int64_t epoch,
                          std::mt19937_64& rng) {
  const auto g = static_cast<int64_t>(options_.group_size);
  Batch batch;
  ScoreLayout& layout = batch.layout;
  layout.rows = static_cast<int64_t>(queries.size());
  layout.label_source_names = options_.label_source_names;
  layout.grade_levels = options_.grade_levels;
  layout.max_positives = uses_single_positive(config_.name) ? 1 : options_.max_positives;
  resize_columns(layout, layout.rows * g);
  std::string first_truncated;
  for (size_t i = 0; i < queries.size(); ++i) {
    bool truncated = false;
    std::vector<Positive> positives;
    for (const size_t index : select_positives(queries[i], epoch, rng, truncated)) {
      positives.push_back(queries[i].positives[index]);
      usage_.mark(queries[i].query_id, queries[i].positives.size(), index);
    }
    if (truncated && layout.truncated_queries++ == 0) first_truncated = queries[i].query_id;
    std::vector<int64_t> group;
    for (const auto& positive : positives) group.push_back(positive.passage);
    fill_negatives(queries[i], group, rng);
    batch.passage_ids.insert(batch.passage_ids.end(), group.begin(), group.end());
    append_row(layout, queries[i].query_id, positives, static_cast<int64_t>(i) * g, g);
  }
  if (layout.truncated_queries > 0 && !truncation_reported_) {
    truncation_reported_ = true;
    layout.warnings.push_back(
        "query '" + first_truncated +
        "' has more than max_positives=" + std::to_string(options_.max_positives) +
        " positives; " +
        (options_.positive_sampling == "first"
             ? std::string("only the annotator's first ones are used")
             : "positive_sampling=" + options_.positive_sampling + " picks which enter each epoch") +
        ". Further truncations are counted "
        "in diag/truncated_queries and not reported again.");
  }
  return batch;
}

Batch make_probe_row(const QueryCandidates& query, const std::vector<int64_t>& fixed_negatives,
                     const std::vector<std::string>& label_source_names) {
  Batch probe;
  std::unordered_set<int64_t> positives;
  for (const auto& positive : query.positives) {
    probe.passage_ids.push_back(positive.passage);
    positives.insert(positive.passage);
  }
  for (int64_t id : fixed_negatives)
    if (positives.count(id) == 0) probe.passage_ids.push_back(id);
  ScoreLayout& layout = probe.layout;
  layout.rows = 1;
  layout.label_source_names = label_source_names;
  layout.max_positives = std::max<int>(1, static_cast<int>(query.positives.size()));
  resize_columns(layout, static_cast<int64_t>(probe.passage_ids.size()));
  append_row(layout, query.query_id, query.positives, 0, layout.columns);
  return probe;
}

}  // namespace multipos::objectives
