// Probe rows: one training query scored against ALL its positives plus a fixed negative set, so
// that single-positive runs (infonce, rand1lh) and multi-positive runs are compared on the same
// footing. Returns plain per-passage records for the run store and the studio's drill-down.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/objectives/batch_builder.hpp"
#include "core/objectives/config.hpp"
#include "core/objectives/masks.hpp"

namespace multipos::objectives {

struct ProbePassage {
  int64_t passage = 0;
  bool is_positive = false;
  int positive_rank = 0;   // among positives by score, 1 = highest; 0 for negatives
  double score = 0;        // similarity (before tau)
  double probability = 0;  // softmax of score / tau over the whole probe row
  double gradient = 0;     // dL/ds under the run's objective, see probe_gradient
  float grade = 0;         // positives only
  int label_source = -1;   // positives only
  bool is_false_positive = false;
};

// dL/ds (1 x C) of a probe row under the run's objective, as if the row were a batch of one:
// - jointlh, summarglh, lsepair: the closed form over all the row's positives;
// - listwise_kl: autograd; listwise_w2: autograd on the single row, where both covariances are
//   zero and the loss reduces to ||softmax(s/tau) - softmax(G)||^2;
// - infonce, rand1lh: the batch never holds more than one positive, so we report the expectation
//   over which positive the batch holds, the others being absent: rand1lh draws uniformly, so
//   dL/ds_i = (p_i^(i) - 1) / m and dL/ds_n = (1/m) sum_i p_n^(i), where p^(i) is the softmax
//   over positive i and the negatives only; infonce always holds the first listed positive, so
//   only that one gets p^(1) - 1, the other positives 0, and the negatives p_n^(1).
// Everything is times 1/tau. Rows without positives get a zero gradient.
at::Tensor probe_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                          const ScoreLayout& layout, const ObjectiveConfig& config);

// Per-passage records of one probe row built by make_probe_row; similarities is 1 x C or C.
// Throws std::invalid_argument when sizes disagree.
std::vector<ProbePassage> probe_query(const at::Tensor& similarities, const Batch& probe_row,
                                      const ObjectiveConfig& config);

}  // namespace multipos::objectives
