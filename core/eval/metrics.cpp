#include "core/eval/metrics.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace multipos::eval {

namespace {

struct NamedKind {
  const char* prefix;  // name without the cutoff, e.g. "ndcg_cut_"
  MeasureKind kind;
  bool takes_cutoff;
};

// Longest prefixes first so "recip_rank_cut_" wins over "recip_rank".
constexpr NamedKind kNamedKinds[] = {
    {"recip_rank_cut_", MeasureKind::recip_rank_cut, true},
    {"ndcg_cut_", MeasureKind::ndcg_cut, true},
    {"map_cut_", MeasureKind::map_cut, true},
    {"recall_", MeasureKind::recall, true},
    {"P_", MeasureKind::precision, true},
    {"recip_rank", MeasureKind::recip_rank, false},
    {"map", MeasureKind::map, false},
};

int parse_cutoff(const std::string& name, const std::string& digits) {
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw std::invalid_argument("measure '" + name + "': cutoff must be a positive integer");
  }
  const int cutoff = std::stoi(digits);
  if (cutoff <= 0) throw std::invalid_argument("measure '" + name + "': cutoff must be > 0");
  return cutoff;
}

// What one query's ranking looks like once judged: grades in rank order plus the judged side.
struct JudgedRanking {
  std::vector<int> grades;          // grade of the document at each rank (0 if unjudged)
  std::vector<int> ideal_gains;     // positive grades of all judged docs, descending
  std::size_t num_relevant = 0;     // judged docs with grade >= threshold
  int threshold = 1;

  bool relevant_at(std::size_t rank_index) const { return grades[rank_index] >= threshold; }
};

JudgedRanking judge(const QueryJudgments& judgments, const std::vector<RunEntry>& entries,
                    int threshold) {
  // Sort pointers, not entries: copying millions of id strings dominated the benchmark.
  std::vector<const RunEntry*> order(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) order[i] = &entries[i];
  std::sort(order.begin(), order.end(), [](const RunEntry* a, const RunEntry* b) {
    return ranks_before(a->score, a->doc_id, b->score, b->doc_id);
  });
  JudgedRanking ranking;
  ranking.threshold = threshold;
  ranking.grades.reserve(order.size());
  for (const RunEntry* entry : order) {
    const auto found = judgments.find(entry->doc_id);
    // An unjudged document must never count as relevant, even for threshold <= 0.
    ranking.grades.push_back(found == judgments.end() ? std::min(0, threshold - 1)
                                                      : found->second);
  }
  for (const auto& [doc_id, grade] : judgments) {
    if (grade >= threshold) ++ranking.num_relevant;
    if (grade > 0) ranking.ideal_gains.push_back(grade);
  }
  std::sort(ranking.ideal_gains.begin(), ranking.ideal_gains.end(), std::greater<int>());
  return ranking;
}

std::size_t depth(const JudgedRanking& ranking, int cutoff) {
  return cutoff > 0 ? std::min<std::size_t>(ranking.grades.size(), cutoff) : ranking.grades.size();
}

double discount(std::size_t rank_index) { return std::log2(static_cast<double>(rank_index) + 2.0); }

double ndcg_cut(const JudgedRanking& ranking, int cutoff) {
  double ideal = 0.0;
  const std::size_t ideal_depth = std::min<std::size_t>(ranking.ideal_gains.size(), cutoff);
  for (std::size_t i = 0; i < ideal_depth; ++i) ideal += ranking.ideal_gains[i] / discount(i);
  if (ideal <= 0.0) return 0.0;
  double gained = 0.0;
  const std::size_t n = depth(ranking, cutoff);
  for (std::size_t i = 0; i < n; ++i) {
    if (ranking.grades[i] > 0) gained += ranking.grades[i] / discount(i);
  }
  return gained / ideal;
}

std::size_t relevant_in_top(const JudgedRanking& ranking, int cutoff) {
  std::size_t count = 0;
  const std::size_t n = depth(ranking, cutoff);
  for (std::size_t i = 0; i < n; ++i) count += ranking.relevant_at(i) ? 1 : 0;
  return count;
}

double reciprocal_rank(const JudgedRanking& ranking, int cutoff) {
  const std::size_t n = depth(ranking, cutoff);
  for (std::size_t i = 0; i < n; ++i) {
    if (ranking.relevant_at(i)) return 1.0 / static_cast<double>(i + 1);
  }
  return 0.0;
}

double average_precision(const JudgedRanking& ranking, int cutoff) {
  if (ranking.num_relevant == 0) return 0.0;
  double precision_sum = 0.0;
  std::size_t found = 0;
  const std::size_t n = depth(ranking, cutoff);
  for (std::size_t i = 0; i < n; ++i) {
    if (!ranking.relevant_at(i)) continue;
    ++found;
    precision_sum += static_cast<double>(found) / static_cast<double>(i + 1);
  }
  return precision_sum / static_cast<double>(ranking.num_relevant);
}

double score(const JudgedRanking& ranking, const Measure& measure) {
  switch (measure.kind) {
    case MeasureKind::ndcg_cut: return ndcg_cut(ranking, measure.cutoff);
    case MeasureKind::recall:
      return ranking.num_relevant == 0 ? 0.0
                                       : static_cast<double>(relevant_in_top(ranking, measure.cutoff)) /
                                             static_cast<double>(ranking.num_relevant);
    case MeasureKind::precision:
      return static_cast<double>(relevant_in_top(ranking, measure.cutoff)) / measure.cutoff;
    case MeasureKind::recip_rank: return reciprocal_rank(ranking, 0);
    case MeasureKind::recip_rank_cut: return reciprocal_rank(ranking, measure.cutoff);
    case MeasureKind::map: return average_precision(ranking, 0);
    case MeasureKind::map_cut: return average_precision(ranking, measure.cutoff);
  }
  throw std::logic_error("unhandled measure kind");
}

struct QueryWork {
  const std::string* query_id;
  const QueryJudgments* judgments;
  const std::vector<RunEntry>* entries;  // null for a -c query absent from the run
};

// The queries trec_eval would score, in query id order (qrels is a sorted map).
std::vector<QueryWork> plan_queries(const Qrels& qrels, const Run& run, const EvalOptions& options) {
  std::vector<QueryWork> work;
  for (const auto& [query_id, judgments] : qrels) {
    const auto ranked = run.find(query_id);
    const bool in_run = ranked != run.end();
    if (!in_run && !options.average_over_all_judged_queries) continue;
    work.push_back(QueryWork{&query_id, &judgments, in_run ? &ranked->second : nullptr});
  }
  return work;
}

// Calls task(i) for every i < count on up to `threads` threads; rethrows the first exception.
void run_in_parallel(std::size_t count, unsigned threads,
                     const std::function<void(std::size_t)>& task) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, count));
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      try {
        task(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;  // stop handing out work
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

std::string Measure::name() const {
  for (const NamedKind& named : kNamedKinds) {
    if (named.kind != kind) continue;
    return named.takes_cutoff ? named.prefix + std::to_string(cutoff) : named.prefix;
  }
  throw std::logic_error("unnamed measure kind");
}

Measure Measure::parse(const std::string& name) {
  for (const NamedKind& named : kNamedKinds) {
    const std::string prefix = named.prefix;
    if (named.takes_cutoff && name.compare(0, prefix.size(), prefix) == 0) {
      return Measure{named.kind, parse_cutoff(name, name.substr(prefix.size()))};
    }
    if (!named.takes_cutoff && name == prefix) return Measure{named.kind, 0};
  }
  throw std::invalid_argument("unknown measure '" + name +
                              "' (known: ndcg_cut_K, recall_K, P_K, recip_rank, "
                              "recip_rank_cut_K, map, map_cut_K)");
}

std::vector<Measure> parse_measures(const std::vector<std::string>& names) {
  std::vector<Measure> measures;
  measures.reserve(names.size());
  for (const std::string& name : names) measures.push_back(Measure::parse(name));
  return measures;
}

std::size_t Evaluation::measure_index(const std::string& measure_name) const {
  for (std::size_t i = 0; i < measures.size(); ++i) {
    if (measures[i].name() == measure_name) return i;
  }
  throw std::out_of_range("measure '" + measure_name + "' was not evaluated");
}

double Evaluation::mean_of(const std::string& measure_name) const {
  return mean.at(measure_index(measure_name));
}

double Evaluation::value(const std::string& query_id, const std::string& measure_name) const {
  const std::size_t index = measure_index(measure_name);
  const auto found = std::lower_bound(
      per_query.begin(), per_query.end(), query_id,
      [](const QueryScores& scores, const std::string& id) { return scores.query_id < id; });
  if (found == per_query.end() || found->query_id != query_id) {
    throw std::out_of_range("query '" + query_id + "' was not evaluated");
  }
  return found->values[index];
}

std::vector<double> evaluate_query(const QueryJudgments& judgments,
                                   const std::vector<RunEntry>& entries,
                                   const std::vector<Measure>& measures, int relevance_threshold,
                                   const std::string& query_id) {
  check_no_duplicate_docs(query_id, entries);
  const JudgedRanking ranking = judge(judgments, entries, relevance_threshold);
  std::vector<double> values;
  values.reserve(measures.size());
  for (const Measure& measure : measures) values.push_back(score(ranking, measure));
  return values;
}

Evaluation evaluate(const Qrels& qrels, const Run& run, const std::vector<Measure>& measures,
                    const EvalOptions& options) {
  Evaluation evaluation;
  evaluation.measures = measures;
  std::vector<QueryWork> work = plan_queries(qrels, run, options);
  if (work.empty()) {
    throw std::invalid_argument("evaluate: no query of the run has relevance judgments");
  }
  evaluation.per_query.resize(work.size());
  run_in_parallel(work.size(), options.threads, [&](std::size_t i) {
    static const std::vector<RunEntry> kNothingRetrieved;
    const QueryWork& item = work[i];
    evaluation.per_query[i] = QueryScores{
        *item.query_id,
        evaluate_query(*item.judgments, item.entries ? *item.entries : kNothingRetrieved,
                       measures, options.relevance_threshold, *item.query_id),
        item.entries != nullptr};
  });
  evaluation.mean.assign(measures.size(), 0.0);
  for (const QueryScores& scores : evaluation.per_query) {
    for (std::size_t m = 0; m < measures.size(); ++m) evaluation.mean[m] += scores.values[m];
  }
  for (double& total : evaluation.mean) total /= static_cast<double>(evaluation.per_query.size());
  return evaluation;
}

}  // namespace multipos::eval
