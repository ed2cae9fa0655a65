#include "core/data/dataset.hpp"

#include <stdexcept>

namespace multipos::data {

const std::vector<int32_t>& Dataset::split(const std::string& split_name) const {
  if (split_name == "train") return train_queries;
  if (split_name == "dev") return dev_queries;
  if (split_name == "test") return test_queries;
  throw std::invalid_argument("unknown split '" + split_name + "'; valid splits: train, dev, test");
}

}  // namespace multipos::data
