// The training objectives of docs/objectives.md as differentiable LibTorch expressions.
// Losses take SIMILARITIES (dot or cosine, before temperature) and divide by tau themselves, so
// every gradient in this library is dL/d(similarity) and carries the spec's 1/tau factor.
#pragma once

#include <ATen/core/Tensor.h>

#include "core/objectives/config.hpp"
#include "core/objectives/masks.hpp"

namespace multipos::objectives {

// Q (R x d) against P (C x d): dot products, or cosines when config.similarity == "cosine".
// This is what the losses take.
at::Tensor similarity_matrix(const at::Tensor& queries, const at::Tensor& passages,
                             const ObjectiveConfig& config);

// similarity_matrix / tau: the logits whose row softmax is p. For display and probes only;
// never feed it to a loss (tau would be applied twice).
at::Tensor score_matrix(const at::Tensor& queries, const at::Tensor& passages,
                        const ObjectiveConfig& config);

// Detached per-row log-normalisers that a loss computes anyway. Handing them to the
// diagnostics spares them their only pass of exp over the R x C matrix. Either may be left
// undefined: infonce / rand1lh / jointlh / summarglh fill `all`, lsepair with the "all"
// negative selector fills `negatives`, the listwise objectives fill neither.
struct RowNormalisers {
  at::Tensor all;        // R: LSE over the whole row of s / tau
  at::Tensor negatives;  // R: LSE over the row's negatives N of s / tau
};

// Loss of every row (R), divided by m_i under normalize_by_m; 0 on rows without positives.
// Throws std::invalid_argument for listwise_w2 (a batch-level loss) and when infonce/rand1lh
// meet a row with more than one positive.
at::Tensor per_query_loss(const at::Tensor& similarities, const ScoreMasks& masks,
                          const ObjectiveConfig& config, RowNormalisers* normalisers = nullptr);

// The batch loss: the mean of per_query_loss over rows with m_i > 0 (listwise_w2: the Frechet
// distance over those rows). A zero connected to the graph when no row has a positive.
at::Tensor objective_loss(const at::Tensor& similarities, const ScoreMasks& masks,
                          const ObjectiveConfig& config, RowNormalisers* normalisers = nullptr);

// listwise_w2 on the rows with m_i > 0: ||mu_P - mu_Y||^2 + Tr(S_P + S_Y - 2 (S_P^1/2 S_Y
// S_P^1/2)^1/2) with population covariances (divide by the row count n). The cross term is
// evaluated on the n x n matrix K = (Xp Xy^T)(Xp Xy^T)^T / n^2, whose eigenvalues are those of S_P
// S_Y, so that Tr(...)^1/2 = sum sqrt(eig K): an exact identity that replaces two C x C
// eigendecompositions (C = B*g) by one n x n. Gradient stability: only eigenvalues are
// differentiated (linalg_eigvalsh), whose backward is V diag(dL/dlambda) V^T with no 1/(lambda_i -
// lambda_j) factor, so repeated eigenvalues are harmless; eigenvalues below
// 64*eps(dtype)*max(lambda) are clamped to exactly 0 with zero gradient, because d
// sqrt(lambda)/dlambda is unbounded at 0 and the centring always leaves one numerically-zero
// eigenvalue whose direction is pure noise.
at::Tensor listwise_w2_loss(const at::Tensor& similarities, const ScoreMasks& masks,
                            const ObjectiveConfig& config);

}  // namespace multipos::objectives
