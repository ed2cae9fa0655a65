// What every file loader of core/data shares: the error that names file, line and field, the
// strict / lenient switch, the report of what a lenient load skipped, and a line reader that
// streams a file (one line in memory at a time) with the line numbers errors need.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/util/file_error.hpp"

namespace multipos::data {

// A fault in a data file (the parser error shared with run and qrels files).
using DataError = util::FileError;

struct LoadOptions {
  // Skip bad lines (malformed JSON, missing or duplicate ids, unknown ids in qrels, ...) instead
  // of throwing; they are counted in the LoadReport. Missing files still throw.
  bool lenient = false;
};

struct LoadReport {
  std::size_t lines = 0;    // lines read over all files, blank ones and headers included
  std::size_t records = 0;  // lines kept
  std::size_t skipped = 0;  // lines dropped by a lenient load
  std::map<std::string, std::size_t> skipped_by_field;  // e.g. {"_id": 2, "score": 1}
  std::vector<std::string> skipped_reasons;             // the first kMaxReasons messages
  static constexpr std::size_t kMaxReasons = 20;

  // Throws `error` when strict; otherwise counts it. Loaders call this for every bad line.
  void reject(const DataError& error, const LoadOptions& options);
  std::string summary() const;  // "skipped 3 of 120 lines (_id: 2, score: 1)" or ""
};

// Reads a text file line by line, stripping a UTF-8 byte-order mark and '\r' line ends.
// Progress of long loads, reported by every LineReader: called at most every `min_interval`
// seconds while a file is read (and once at its end if it was called before), with the bytes read
// so far and the file's size. Unset by default, so library code prints nothing; the command line
// sets one that prints to stderr. Process-wide: set it before loading, not during.
using LoadProgress = std::function<void(const std::string& path, std::uint64_t done, std::uint64_t total)>;
void set_load_progress(LoadProgress callback, double min_interval_seconds = 1.0);

class LineReader {
 public:
  explicit LineReader(std::string path);  // throws DataError when the file cannot be opened
  bool next(std::string& line);           // false at end of file
  std::size_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  void report_progress(bool at_end);

  std::string path_;
  std::ifstream in_;
  std::size_t line_number_ = 0;
  std::uint64_t bytes_read_ = 0, total_bytes_ = 0;
  std::chrono::steady_clock::time_point last_report_ = std::chrono::steady_clock::now();
  bool reported_ = false;
};

bool is_blank(const std::string& line);

}  // namespace multipos::data
