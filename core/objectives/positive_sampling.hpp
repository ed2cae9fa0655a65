// The names of batch.positive_sampling's schemes: the one list that config validation, study
// specs, the studio's launch form and the BatchBuilder read. Torch-free (multipos_objective_config).
#pragma once

#include <string>
#include <vector>

namespace multipos::objectives {

// first | rotate | random | graded_random, in the order the UI lists them.
const std::vector<std::string>& positive_sampling_schemes();

// True when `scheme` is one of positive_sampling_schemes().
bool is_positive_sampling_scheme(const std::string& scheme);

// "first, rotate, random, graded_random": for error messages.
std::string positive_sampling_scheme_list();

}  // namespace multipos::objectives
