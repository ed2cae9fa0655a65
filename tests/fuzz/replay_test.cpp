// Replays every committed input of the fuzz targets (tests/fuzz/corpus/<target>/ and
// tests/fuzz/regressions/<target>/) through the same entry points in the normal build, so a crash
// libFuzzer found once stays fixed without clang. A target breaks its contract by aborting (see
// fuzz_support.hpp), which fails this test with the file named; under the ASan build a memory
// error fails it too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"

#define MULTIPOS_FUZZ_TARGET(name) extern "C" int multipos_fuzz_##name(const uint8_t* data, size_t size);
#include "fuzz_targets.inc"
#undef MULTIPOS_FUZZ_TARGET

namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;
  int (*entry)(const uint8_t*, size_t);
};

const std::vector<Target>& targets() {
#define MULTIPOS_FUZZ_TARGET(name) {#name, multipos_fuzz_##name},
  static const std::vector<Target> all = {
#include "fuzz_targets.inc"
  };
#undef MULTIPOS_FUZZ_TARGET
  return all;
}

std::vector<fs::path> inputs_of(const fs::path& folder) {
  std::vector<fs::path> files;
  if (fs::is_directory(folder))
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class FuzzReplay : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplay, CorpusAndRegressionsKeepTheContract) {
  const Target& target = GetParam();
  const fs::path root = fs::path(MULTIPOS_SOURCE_DIR) / "tests" / "fuzz";
  const auto corpus = inputs_of(root / "corpus" / target.name);
  ASSERT_GE(corpus.size(), 3u) << "the seed corpus of " << target.name << " is missing";
  std::vector<fs::path> files = corpus;
  const auto regressions = inputs_of(root / "regressions" / target.name);
  files.insert(files.end(), regressions.begin(), regressions.end());
  for (const auto& file : files) {
    multipos::fuzz::current_input = file.string();
    const std::string bytes = read_bytes(file);
    EXPECT_EQ(target.entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0) << file;
  }
  multipos::fuzz::current_input.clear();
  std::printf("[ replayed ] %s: %zu seed inputs, %zu regressions\n", target.name, corpus.size(), regressions.size());
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(targets()),
                         [](const ::testing::TestParamInfo<Target>& info) { return std::string(info.param.name); });

}  // namespace
