// Gradients of the batch loss with respect to the similarity matrix, dL/dS (R x C): closed forms
// from the spec's table for the per-query objectives, autograd for the listwise ones. The
// diagnostics read them to see where each objective pushes.
#pragma once

#include <ATen/core/Tensor.h>

#include "core/objectives/config.hpp"
#include "core/objectives/masks.hpp"

namespace multipos::objectives {

// The spec's table: infonce/rand1lh p - 1 | p_n; jointlh m p_i - 1 | m p_n; summarglh p_i - w_i |
// p_n; lsepair -sigma u_i | sigma v_n (u, v become tie-sharing indicators under the min/max
// selectors). Times 1/tau, divided by m_i under normalize_by_m and by the number of used rows
// (the batch mean); zero on dropped rows. Throws std::invalid_argument for listwise objectives.
// No autograd graph is built.
at::Tensor closed_form_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                                const ObjectiveConfig& config);

// dL/dS of objective_loss by autograd, on a detached copy (the caller's graph is untouched;
// works under a NoGradGuard).
at::Tensor autograd_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                             const ObjectiveConfig& config);

// closed_form_gradient when the objective has one, autograd_gradient otherwise.
at::Tensor score_gradient(const at::Tensor& similarities, const ScoreMasks& masks,
                          const ObjectiveConfig& config);

}  // namespace multipos::objectives
