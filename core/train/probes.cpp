#include "core/train/probes.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <unordered_set>

#include "core/objectives/diagnostics.hpp"
#include "core/objectives/probe.hpp"
#include "core/objectives/loss.hpp"
#include "core/train/mini_batch.hpp"
#include "core/util/rng.hpp"

namespace multipos::train {

namespace {

std::vector<int64_t> fixed_negatives(const data::Dataset& dataset, int32_t query, int64_t count, util::Rng& rng) {
  std::unordered_set<int64_t> positives, chosen;
  for (const auto& j : dataset.judgments[query]) positives.insert(j.passage);
  std::vector<int64_t> negatives;
  auto take = [&](int64_t passage) {
    if (static_cast<int64_t>(negatives.size()) < count && !positives.count(passage) && chosen.insert(passage).second)
      negatives.push_back(passage);
  };
  for (int32_t passage : dataset.hard_negatives[query]) take(passage);
  const auto total = static_cast<int64_t>(dataset.num_passages());
  for (int attempts = 0; static_cast<int64_t>(negatives.size()) < count && attempts < 20 * count; ++attempts)
    take(static_cast<int64_t>(rng.below(static_cast<uint64_t>(total))));
  return negatives;
}

}  // namespace

ProbeSet make_probe_set(const data::Dataset& dataset, const std::vector<objectives::QueryCandidates>& candidates,
                        const ProbeConfig& config, uint64_t seed) {
  util::Rng rng(seed ^ 0x70726F6265ull);
  std::vector<int32_t> pool = dataset.train_queries;
  rng.shuffle(pool);
  // Queries with several positives first: they are where objectives differ.
  std::stable_sort(pool.begin(), pool.end(), [&](int32_t a, int32_t b) {
    return std::min<size_t>(dataset.judgments[a].size(), 2) > std::min<size_t>(dataset.judgments[b].size(), 2);
  });
  ProbeSet probes;
  probes.grade_levels = objectives::grade_levels(candidates);
  for (int32_t query : pool) {
    if (static_cast<int64_t>(probes.queries.size()) >= config.queries) break;
    if (dataset.judgments[query].empty()) continue;
    auto negatives = fixed_negatives(dataset, query, config.negatives, rng);
    probes.queries.push_back({query, objectives::make_probe_row(candidates[query], negatives, dataset.label_sources)});
  }
  return probes;
}

std::vector<store::ProbeRow> run_probes(const ProbeSet& probes, model::Encoder& encoder, const data::Dataset& dataset,
                                        const objectives::ObjectiveConfig& objective, int64_t step,
                                        ScalarWriter& writer, const std::string& precision) {
  torch::NoGradGuard no_grad;
  AutocastScope autocast(precision, encoder.device());  // the scores the run's training sees
  bool was_training = encoder.is_training();
  encoder.eval();
  objectives::DiagnosticAccumulator diagnostics(objective, dataset.label_sources, 4, probes.grade_levels);
  std::vector<store::ProbeRow> rows;
  for (const ProbeQuery& probe : probes.queries) {
    const auto& layout = probe.row.layout;
    std::vector<std::string> passage_texts;
    for (int64_t id : probe.row.passage_ids) passage_texts.push_back(dataset.passage_texts[static_cast<size_t>(id)]);
    at::Tensor query = encoder.encode({dataset.query_texts[probe.query]}, model::TextRole::query);
    at::Tensor passages = encoder.encode(passage_texts, model::TextRole::passage);
    at::Tensor similarities = objectives::similarity_matrix(query, passages, objective).to(at::kCPU, at::kDouble);
    objectives::ScoreMasks masks = objectives::make_score_masks(layout, at::kDouble);
    at::Tensor gradient = objectives::probe_gradient(similarities, masks, layout, objective);
    diagnostics.add(similarities, gradient, masks, layout);

    for (const auto& passage : objectives::probe_query(similarities, probe.row, objective)) {
      store::ProbeRow row;
      row.step = step;
      row.query_id = dataset.query_ids[probe.query];
      row.passage_id = dataset.passage_ids[static_cast<size_t>(passage.passage)];
      row.is_positive = passage.is_positive;
      row.positive_rank = passage.positive_rank;
      row.score = passage.score;
      row.probability = passage.probability;
      row.gradient = passage.gradient;
      row.grade = passage.grade;
      if (passage.label_source >= 0 && passage.label_source < static_cast<int>(dataset.label_sources.size()))
        row.label_source = dataset.label_sources[static_cast<size_t>(passage.label_source)];
      row.is_false_positive = passage.is_false_positive;
      rows.push_back(std::move(row));
    }
  }
  encoder.train(was_training);
  for (const auto& [name, value] : diagnostics.result()) writer.add("probe/" + name.substr(name.find('/') + 1), step, value);
  return rows;
}

void record_in_batch_diagnostics(const at::Tensor& similarities, const at::Tensor& gradient,
                                 const objectives::RowNormalisers& normalisers, const objectives::ScoreMasks& masks,
                                 const objectives::ScoreLayout& layout, const objectives::ObjectiveConfig& objective,
                                 int64_t step, ScalarWriter& writer) {
  const auto diagnostics =
      gradient.defined()
          ? objectives::in_batch_diagnostics(similarities, gradient, masks, layout, objective)
          : objectives::in_batch_diagnostics(similarities, masks, layout, objective, &normalisers);
  for (const auto& [name, value] : diagnostics) writer.add(name, step, value);
}

}  // namespace multipos::train
