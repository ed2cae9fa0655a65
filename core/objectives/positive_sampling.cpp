#include "core/objectives/positive_sampling.hpp"

#include <algorithm>

namespace multipos::objectives {

const std::vector<std::string>& positive_sampling_schemes() {
  static const std::vector<std::string> schemes = {"first", "rotate", "random", "graded_random"};
  return schemes;
}

bool is_positive_sampling_scheme(const std::string& scheme) {
  const auto& schemes = positive_sampling_schemes();
  return std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
}

std::string positive_sampling_scheme_list() {
  std::string list;
  for (const auto& scheme : positive_sampling_schemes()) list += (list.empty() ? "" : ", ") + scheme;
  return list;
}

}  // namespace multipos::objectives
