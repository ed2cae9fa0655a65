#include "core/objectives/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace multipos::objectives {

namespace {

const std::vector<std::string> kObjectiveOptions = {"positive_selector", "negative_selector", "rand1_draw",
                                                    "normalize_by_m"};

std::vector<ObjectiveTraits> builtin_objectives() {
  std::vector<ObjectiveTraits> all;
  auto add = [&all](ObjectiveTraits traits) { all.push_back(std::move(traits)); };
  add({"infonce", "InfoNCE", {120, 120, 130}, LossForm::likelihood, PositiveUse::first_ranked, false, true, false,
       {"normalize_by_m"}, true, 2, "single-positive contrastive loss on the highest-ranked positive"});
  add({"rand1lh", "Rand1LH", {31, 119, 180}, LossForm::likelihood, PositiveUse::drawn_one, false, true, false,
       {"rand1_draw", "normalize_by_m"}, false, 1, "likelihood of one positive drawn per epoch"});
  add({"jointlh", "JointLH", {214, 39, 40}, LossForm::likelihood, PositiveUse::all, false, true, false,
       {"normalize_by_m"}, true, 0, "joint likelihood of every positive: -sum_P log p_i"});
  add({"summarglh", "SumMargLH", {255, 127, 14}, LossForm::marginal_likelihood, PositiveUse::all, false, true, false,
       {"normalize_by_m"}, false, 0, "marginal likelihood of the positives: -log sum_P p_i"});
  add({"lsepair", "LSEPair", {44, 160, 44}, LossForm::lse_pair, PositiveUse::all, false, true, false,
       {"positive_selector", "negative_selector", "normalize_by_m"}, true, 0,
       "pairwise log-sum-exp over positive/negative pairs"});
  add({"listwise_w2", "Listwise W2", {148, 103, 189}, LossForm::listwise_w2, PositiveUse::all, true, false, true, {},
       false, 0, "batch-level Frechet distance between score and grade distributions"});
  add({"listwise_kl", "Listwise KL", {140, 86, 75}, LossForm::listwise_kl, PositiveUse::all, true, false, false,
       {"normalize_by_m"}, false, 0, "KL divergence from the grade softmax to the score softmax"});
  return all;
}

std::vector<ObjectiveTraits>& mutable_registry() {
  static std::vector<ObjectiveTraits> registry = builtin_objectives();
  return registry;
}

}  // namespace

const std::vector<ObjectiveTraits>& objective_registry() { return mutable_registry(); }

const ObjectiveTraits* find_objective(const std::string& name) {
  for (const auto& traits : objective_registry())
    if (traits.name == name) return &traits;
  return nullptr;
}

const ObjectiveTraits& objective_traits(const std::string& name) {
  if (const ObjectiveTraits* traits = find_objective(name)) return *traits;
  std::string valid;
  for (const auto& traits : objective_registry()) valid += (valid.empty() ? "" : ", ") + traits.name;
  throw std::invalid_argument("unknown objective '" + name + "' (valid: " + valid + ")");
}

const std::string& default_objective() {
  static const std::string name = "infonce";
  return name;
}

void register_objective(ObjectiveTraits traits) {
  if (traits.name.empty()) throw std::invalid_argument("register_objective: an objective needs a name");
  if (find_objective(traits.name) != nullptr)
    throw std::invalid_argument("register_objective: '" + traits.name + "' is already registered");
  for (const auto& option : traits.options)
    if (std::find(kObjectiveOptions.begin(), kObjectiveOptions.end(), option) == kObjectiveOptions.end())
      throw std::invalid_argument("register_objective: '" + traits.name + "' lists unknown option '" + option + "'");
  if (traits.label.empty()) traits.label = traits.name;
  mutable_registry().push_back(std::move(traits));
}

}  // namespace multipos::objectives
