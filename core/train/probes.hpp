// Probe snapshots and in-batch diagnostics of a run. A probe is a fixed set of training queries
// scored against ALL their positives and a fixed set of negatives, so single-positive runs
// (infonce, rand1lh) and multi-positive runs are compared on the same footing.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "core/data/dataset.hpp"
#include "core/model/encoder.hpp"
#include "core/objectives/batch_builder.hpp"
#include "core/objectives/loss.hpp"
#include "core/objectives/masks.hpp"
#include "core/store/run_store.hpp"
#include "core/train/scalar_writer.hpp"
#include "core/train/train_config.hpp"

namespace multipos::train {

struct ProbeQuery {
  int32_t query = 0;  // index into the dataset's queries
  objectives::Batch row;  // one row: all positives, then the fixed negatives
};

struct ProbeSet {
  std::vector<ProbeQuery> queries;
  std::vector<float> grade_levels;  // the dataset's grades when it has several: probe/*_grade_<g>
};

// Chooses config.queries training queries (those with several positives first), each with its
// hard negatives then seeded random passages up to config.negatives. Deterministic by seed.
ProbeSet make_probe_set(const data::Dataset& dataset, const std::vector<objectives::QueryCandidates>& candidates,
                        const ProbeConfig& config, uint64_t seed);

// Scores every probe query under no-grad (autocast to `precision`, as training encodes) and
// returns one row per passage, plus (through the writer) the probe's averaged diagnostics as
// "probe/..." series.
std::vector<store::ProbeRow> run_probes(const ProbeSet& probes, model::Encoder& encoder, const data::Dataset& dataset,
                                        const objectives::ObjectiveConfig& objective, int64_t step,
                                        ScalarWriter& writer, const std::string& precision = "fp32");

// Adds the in-batch diagnostics of one training step to the writer. `gradient` is dL/dS when
// autograd already has it (listwise objectives), else undefined and the closed form is used with
// the loss's row normalisers.
void record_in_batch_diagnostics(const at::Tensor& similarities, const at::Tensor& gradient,
                                 const objectives::RowNormalisers& normalisers, const objectives::ScoreMasks& masks,
                                 const objectives::ScoreLayout& layout, const objectives::ObjectiveConfig& objective,
                                 int64_t step, ScalarWriter& writer);

}  // namespace multipos::train
