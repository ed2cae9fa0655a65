#include "core/eval/search.hpp"

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/isnan.h>
#include <ATen/ops/mm.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

namespace multipos::eval {

namespace {

constexpr std::int64_t kNoExclusion = -1;
constexpr std::size_t kCachedScoreBytes = std::size_t{4} << 20;  // about a shared L2/L3 slice
constexpr std::int64_t kMinChunkRows = 512;

// Everything the ranking rule and the exclusion rule need, prepared once per search.
struct SearchPlan {
  // Position of each corpus row in ascending id order: comparing these integers is the same
  // as comparing the id strings, which keeps string work out of the hot loop.
  std::vector<std::int64_t> tie_rank;
  std::vector<std::int64_t> excluded_row;  // per query, kNoExclusion if none
};

struct HitOrder {
  const std::vector<std::int64_t>* tie_rank;
  // The "less" of std::*_heap: a ranks before b, so the heap top is the worst kept hit.
  bool operator()(const Hit& a, const Hit& b) const {
    if (a.score != b.score) return a.score > b.score;
    return (*tie_rank)[a.doc_index] > (*tie_rank)[b.doc_index];
  }
};

void check_matrix(const at::Tensor& matrix, const char* name) {
  const std::string label = name;
  if (!matrix.defined()) throw std::invalid_argument("search: " + label + " is undefined");
  if (matrix.dim() != 2) throw std::invalid_argument("search: " + label + " must be 2-D");
  if (matrix.scalar_type() != at::kFloat) {
    throw std::invalid_argument("search: " + label + " must be float32");
  }
  if (!matrix.device().is_cpu()) throw std::invalid_argument("search: " + label + " must be on CPU");
  if (at::isnan(matrix).any().item<bool>()) {
    throw std::invalid_argument("search: " + label + " holds NaN");
  }
}

void check_inputs(const at::Tensor& queries, const at::Tensor& corpus,
                  const SearchOptions& options, const std::vector<std::string>& query_ids,
                  const std::vector<std::string>& corpus_ids) {
  check_matrix(queries, "queries");
  check_matrix(corpus, "corpus");
  if (queries.size(1) != corpus.size(1)) {
    throw std::invalid_argument("search: queries have " + std::to_string(queries.size(1)) +
                                " columns, corpus " + std::to_string(corpus.size(1)));
  }
  if (options.k == 0) throw std::invalid_argument("search: k must be > 0");
  if (!corpus_ids.empty() && static_cast<std::int64_t>(corpus_ids.size()) != corpus.size(0)) {
    throw std::invalid_argument("search: corpus_ids size differs from corpus rows");
  }
  if (!query_ids.empty() && static_cast<std::int64_t>(query_ids.size()) != queries.size(0)) {
    throw std::invalid_argument("search: query_ids size differs from query rows");
  }
  if (options.ignore_identical_ids && (query_ids.empty() || corpus_ids.empty())) {
    throw std::invalid_argument("search: ignore_identical_ids needs query and corpus ids");
  }
}

SearchPlan make_plan(std::int64_t corpus_rows, const SearchOptions& options,
                     const std::vector<std::string>& query_ids,
                     const std::vector<std::string>& corpus_ids) {
  SearchPlan plan;
  plan.tie_rank.resize(static_cast<std::size_t>(corpus_rows));
  std::iota(plan.tie_rank.begin(), plan.tie_rank.end(), std::int64_t{0});
  if (!corpus_ids.empty()) {
    std::vector<std::int64_t> by_id(plan.tie_rank);
    std::sort(by_id.begin(), by_id.end(),
              [&](std::int64_t a, std::int64_t b) { return corpus_ids[a] < corpus_ids[b]; });
    for (std::size_t i = 0; i < by_id.size(); ++i) {
      if (i > 0 && corpus_ids[by_id[i]] == corpus_ids[by_id[i - 1]]) {
        throw std::invalid_argument("search: corpus id '" + corpus_ids[by_id[i]] +
                                    "' is not unique");
      }
      plan.tie_rank[by_id[i]] = static_cast<std::int64_t>(i);
    }
  }
  plan.excluded_row.assign(query_ids.size(), kNoExclusion);
  if (options.ignore_identical_ids) {
    std::unordered_map<std::string, std::int64_t> row_of_id;
    for (std::size_t row = 0; row < corpus_ids.size(); ++row) row_of_id.emplace(corpus_ids[row], row);
    for (std::size_t q = 0; q < query_ids.size(); ++q) {
      const auto found = row_of_id.find(query_ids[q]);
      if (found != row_of_id.end()) plan.excluded_row[q] = found->second;
    }
  }
  return plan;
}

at::Tensor unit_rows(const at::Tensor& matrix) {
  // Zero rows stay zero (score 0) instead of dividing by zero.
  return matrix.div(matrix.norm(2, {1}, true).clamp_min(1e-12));
}

at::Tensor prepared(const at::Tensor& matrix, Similarity similarity) {
  return similarity == Similarity::cosine ? unit_rows(matrix).contiguous() : matrix.contiguous();
}

// Folds one row of scores (for corpus rows first_row..) into a bounded heap of the best hits.
// Once the heap is full, its worst score is a running threshold kept in a register: the tight
// skip loop over scores below it is what most of the row costs, so it must not touch the heap.
void fold_scores(const float* scores, std::int64_t count, std::int64_t first_row,
                 std::int64_t excluded, std::size_t k, const HitOrder& order,
                 std::vector<Hit>& heap) {
  std::int64_t j = 0;
  for (; j < count && heap.size() < k; ++j) {
    if (first_row + j == excluded) continue;
    heap.push_back({first_row + j, scores[j]});
    std::push_heap(heap.begin(), heap.end(), order);
  }
  if (heap.empty()) return;
  float threshold = heap.front().score;
  for (; j < count; ++j) {
    while (j < count && scores[j] < threshold) ++j;
    if (j == count) break;
    const Hit hit{first_row + j, scores[j]};
    if (hit.doc_index == excluded || !order(hit, heap.front())) continue;
    std::pop_heap(heap.begin(), heap.end(), order);
    heap.back() = hit;
    std::push_heap(heap.begin(), heap.end(), order);
    threshold = heap.front().score;
  }
}

void search_block(const at::Tensor& query_block, std::int64_t first_query,
                  const at::Tensor& corpus, const SearchOptions& options, const SearchPlan& plan,
                  SearchResults& results) {
  const std::int64_t block_rows = query_block.size(0);
  const std::int64_t corpus_rows = corpus.size(0);
  // The score chunk is sized to stay in cache (kCachedScoreBytes) so the top-k pass reads what the
  // product just wrote, but never below kMinChunkRows corpus rows, where the product slows down.
  const auto budget_rows = static_cast<std::int64_t>(options.score_budget_bytes / sizeof(float)) / block_rows;
  const auto cached_rows = static_cast<std::int64_t>(kCachedScoreBytes / sizeof(float)) / block_rows;
  const std::int64_t chunk_rows =
      std::max<std::int64_t>(1, std::min(budget_rows, std::max(cached_rows, kMinChunkRows)));
  const HitOrder order{&plan.tie_rank};
  at::Tensor buffer;  // reused by every full-size chunk: no allocation per product
  for (std::int64_t start = 0; start < corpus_rows; start += chunk_rows) {
    const std::int64_t count = std::min(chunk_rows, corpus_rows - start);
    const at::Tensor chunk = prepared(corpus.narrow(0, start, count), options.similarity);
    if (!buffer.defined() || buffer.size(1) != count) buffer = at::empty({block_rows, count}, query_block.options());
    const at::Tensor& scores = at::mm_out(buffer, query_block, chunk.t());
    const float* base = scores.data_ptr<float>();
    at::parallel_for(0, block_rows, 8, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t row = begin; row < end; ++row) {
        const std::int64_t query = first_query + row;
        const std::int64_t excluded =
            plan.excluded_row.empty() ? kNoExclusion : plan.excluded_row[query];
        fold_scores(base + row * count, count, start, excluded, options.k, order, results[query]);
      }
    });
  }
}

void check_ids_for_run(const SearchResults& results, const std::vector<std::string>& query_ids,
                       const std::vector<std::string>& corpus_ids) {
  if (results.size() != query_ids.size()) {
    throw std::invalid_argument("to_run: " + std::to_string(results.size()) + " result lists for " +
                                std::to_string(query_ids.size()) + " query ids");
  }
  for (const auto& hits : results) {
    for (const Hit& hit : hits) {
      if (hit.doc_index < 0 || static_cast<std::size_t>(hit.doc_index) >= corpus_ids.size()) {
        throw std::invalid_argument("to_run: document index " + std::to_string(hit.doc_index) +
                                    " has no corpus id");
      }
    }
  }
}

}  // namespace

SearchResults exact_search(const at::Tensor& queries, const at::Tensor& corpus,
                           const SearchOptions& options, const std::vector<std::string>& query_ids,
                           const std::vector<std::string>& corpus_ids) {
  check_inputs(queries, corpus, options, query_ids, corpus_ids);
  const SearchPlan plan = make_plan(corpus.size(0), options, query_ids, corpus_ids);
  const at::Tensor query_matrix = prepared(queries, options.similarity);
  const at::Tensor corpus_matrix = corpus.contiguous();
  const std::int64_t query_rows = query_matrix.size(0);
  SearchResults results(static_cast<std::size_t>(query_rows));
  // At least 256 corpus rows per product keeps the matmul efficient; query blocks shrink
  // instead when there are very many queries.
  const auto budget_floats = static_cast<std::int64_t>(options.score_budget_bytes / sizeof(float));
  const std::int64_t min_chunk = std::min<std::int64_t>(256, std::max<std::int64_t>(1, corpus.size(0)));
  const std::int64_t block = std::max<std::int64_t>(1, budget_floats / min_chunk);
  for (std::int64_t first = 0; first < query_rows; first += block) {
    const std::int64_t rows = std::min(block, query_rows - first);
    search_block(query_matrix.narrow(0, first, rows), first, corpus_matrix, options, plan, results);
  }
  const HitOrder order{&plan.tie_rank};
  for (auto& heap : results) std::sort_heap(heap.begin(), heap.end(), order);
  return results;
}

SearchResults brute_force_search(const at::Tensor& queries, const at::Tensor& corpus,
                                 const SearchOptions& options,
                                 const std::vector<std::string>& query_ids,
                                 const std::vector<std::string>& corpus_ids) {
  check_inputs(queries, corpus, options, query_ids, corpus_ids);
  const SearchPlan plan = make_plan(corpus.size(0), options, query_ids, corpus_ids);
  const at::Tensor q = queries.to(at::kDouble).contiguous();
  const at::Tensor c = corpus.to(at::kDouble).contiguous();
  const std::int64_t dims = q.size(1);
  auto norm = [dims](const double* row) {
    double total = 0.0;
    for (std::int64_t i = 0; i < dims; ++i) total += row[i] * row[i];
    return std::max(std::sqrt(total), 1e-12);
  };
  const HitOrder order{&plan.tie_rank};
  SearchResults results(static_cast<std::size_t>(q.size(0)));
  for (std::int64_t qi = 0; qi < q.size(0); ++qi) {
    const double* query = q.data_ptr<double>() + qi * dims;
    std::vector<Hit> all;
    for (std::int64_t di = 0; di < c.size(0); ++di) {
      if (!plan.excluded_row.empty() && plan.excluded_row[qi] == di) continue;
      const double* doc = c.data_ptr<double>() + di * dims;
      double dot = 0.0;
      for (std::int64_t i = 0; i < dims; ++i) dot += query[i] * doc[i];
      if (options.similarity == Similarity::cosine) dot /= norm(query) * norm(doc);
      all.push_back(Hit{di, static_cast<float>(dot)});
    }
    std::sort(all.begin(), all.end(), order);
    if (all.size() > options.k) all.resize(options.k);
    results[qi] = std::move(all);
  }
  return results;
}

Run to_run(const SearchResults& results, const std::vector<std::string>& query_ids,
           const std::vector<std::string>& corpus_ids) {
  check_ids_for_run(results, query_ids, corpus_ids);
  Run run;
  for (std::size_t q = 0; q < results.size(); ++q) {
    std::vector<RunEntry>& entries = run[query_ids[q]];
    if (!entries.empty()) throw std::invalid_argument("to_run: query id '" + query_ids[q] + "' repeated");
    entries.reserve(results[q].size());
    for (const Hit& hit : results[q]) entries.push_back(RunEntry{corpus_ids[hit.doc_index], hit.score});
  }
  return run;
}

}  // namespace multipos::eval
