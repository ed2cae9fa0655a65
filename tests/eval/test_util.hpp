// Small helpers shared by the eval tests: a scratch directory removed on scope exit and
// file writing/reading in one call.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace multipos::eval::testing {

// TempDir plus writing a file in one call.
class ScratchDir : public multipos::testing::TempDir {
 public:
  std::string write(const std::string& name, const std::string& content) const {
    const std::string target = file(name);
    std::ofstream(target, std::ios::binary) << content;
    return target;
  }
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

inline std::string fixture_path(const std::string& name) {
  return std::string(MULTIPOS_SOURCE_DIR) + "/tests/eval/fixtures/" + name;
}

}  // namespace multipos::eval::testing
