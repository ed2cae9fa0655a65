#include "core/data/dataset.hpp"

#include <stdexcept>

namespace multipos::data {

const std::vector<int32_t>& Dataset::split(const std::string& split_name) const {
  if (split_name == "train") return train_queries;
  if (split_name == "dev") return dev_queries;
  if (split_name == "test") return test_queries;
  throw std::invalid_argument("unknown split '" + split_name + "'; valid splits: train, dev, test");
}

int16_t Dataset::intern_label_source(const std::string& source_name) {
  for (size_t i = 0; i < label_sources.size(); ++i)
    if (label_sources[i] == source_name) return static_cast<int16_t>(i);
  if (label_sources.size() >= 32767) throw std::length_error("too many label sources (at most 32767)");
  label_sources.push_back(source_name);
  return static_cast<int16_t>(label_sources.size() - 1);
}

}  // namespace multipos::data
