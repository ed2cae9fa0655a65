// The objective registry: one table of traits per training objective, the single place that knows
// the objectives by name. The loss, the closed-form gradients, the diagnostics, the batch builder,
// config validation, probes, the studio's launch form and the study summaries and figures all
// read these traits and never compare an objective's name themselves. Torch-free
// (multipos_objective_config), so the CLI, the store and the studio can read it.
//
// Adding an objective: a row in builtin_objectives() (registry.cpp) whose `form` is an existing
// loss form runs end to end (loss, gradient, diagnostics, probes, launch form, studies); a new
// loss form also needs its rows in loss.cpp and gradients.cpp (or closed_form_gradient = false
// to train and diagnose it by autograd).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace multipos::objectives {

// The math an objective computes (../shared/docs/objectives.md), one branch each in the loss and
// in the closed-form gradient.
enum class LossForm {
  likelihood,           // -sum_P log p_i (InfoNCE and Rand1LH with one positive, JointLH with all)
  marginal_likelihood,  // -log sum_P p_i (SumMargLH)
  lse_pair,             // log(1 + sum_N sum_P exp(s_n - s_p)) with selectors (LSEPair)
  listwise_kl,          // KL(softmax(grades) || softmax(s)) over a query's group
  listwise_w2,          // batch-level Frechet distance between score and grade Gaussians
};

// Which of a query's (sampled) positives enter its row of the batch.
enum class PositiveUse {
  all,          // every sampled positive (up to batch.max_positives)
  first_ranked, // one: the highest ranked of the sampled set (InfoNCE)
  drawn_one,    // one: drawn per epoch by objective.rand1_draw (Rand1LH)
};

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

struct ObjectiveTraits {
  std::string name;         // what configs, the CLI and the store say ("lsepair")
  std::string label;        // what reports and the studio show ("LSEPair")
  Rgb color;                // its colour in every chart and figure
  LossForm form = LossForm::likelihood;
  PositiveUse positives = PositiveUse::all;
  bool graded = false;                // trained on relevance grades
  bool closed_form_gradient = true;   // dL/ds in closed form; false: autograd
  bool batch_level = false;           // one loss for the whole batch, no per-query rows
  // The objective-specific options of ObjectiveConfig it reads; any other option must keep its
  // default ("positive_selector", "negative_selector", "rand1_draw", "normalize_by_m").
  std::vector<std::string> options;
  bool launch_default = false;  // ticked in the studio's launch form when it opens
  // Significance tables compare every objective against the references present in a study,
  // in ascending rank (0: not a reference).
  int reference_rank = 0;
  std::string summary;  // one line: the launch form shows it when the objective is hovered
};

// Every registered objective, in the order the studio and reports list them.
const std::vector<ObjectiveTraits>& objective_registry();

// The traits of `name`, or nullptr when no objective has that name.
const ObjectiveTraits* find_objective(const std::string& name);

// The traits of `name`; throws std::invalid_argument naming it and the valid names.
const ObjectiveTraits& objective_traits(const std::string& name);

// The objective a config without one trains ("infonce").
const std::string& default_objective();

// Adds an objective (an extension, or a test's dummy) after the built-in ones. Call before any
// other thread reads the registry (at start-up). Throws std::invalid_argument when the name is
// empty or taken, or when an option it lists is not one ObjectiveConfig has.
void register_objective(ObjectiveTraits traits);

}  // namespace multipos::objectives
