// Long loads report progress through the process-wide callback: increasing byte counts that end
// at the file's size, and nothing for a load shorter than the reporting interval.
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "core/data/load_report.hpp"
#include "tests/support/temp_dir.hpp"

using multipos::data::LineReader;
using multipos::data::set_load_progress;

TEST(LoadProgress, ReportsIncreasingBytesAndEndsAtTheFileSize) {
  multipos::testing::TempDir dir;
  const std::string path = dir.file("big.jsonl");
  {
    std::ofstream out(path);
    for (int i = 0; i < 10000; ++i) out << "{\"_id\": \"d" << i << "\", \"text\": \"some passage text\"}\n";
  }
  const auto size = static_cast<std::uint64_t>(std::filesystem::file_size(path));
  std::vector<std::uint64_t> seen;
  set_load_progress([&](const std::string& file, std::uint64_t done, std::uint64_t total) {
    EXPECT_EQ(file, path);
    EXPECT_EQ(total, size);
    seen.push_back(done);
  }, 0.0);
  LineReader reader(path);
  std::string line;
  size_t lines = 0;
  while (reader.next(line)) ++lines;
  set_load_progress(nullptr);
  EXPECT_EQ(lines, 10000u);
  ASSERT_GE(seen.size(), 2u) << "a 10,000-line file is reported along the way";
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i], seen[i - 1]);
  EXPECT_EQ(seen.back(), size);

  // A load shorter than the interval says nothing, not even "100%" at its end.
  std::vector<std::uint64_t> quiet_calls;
  set_load_progress([&](const std::string&, std::uint64_t done, std::uint64_t) { quiet_calls.push_back(done); }, 1e9);
  LineReader quick(path);
  while (quick.next(line)) {
  }
  set_load_progress(nullptr);
  EXPECT_TRUE(quiet_calls.empty());
}
