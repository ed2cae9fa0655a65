#include "core/util/file_error.hpp"

namespace multipos::util {

namespace {

std::string format_error(const std::string& file, std::size_t line, const std::string& field, const std::string& problem) {
  std::string where = line > 0 ? file + ":" + std::to_string(line) : file;
  return where + ": field '" + field + "': " + problem;
}

}  // namespace

FileError::FileError(std::string file, std::size_t line, std::string field, const std::string& problem)
    : std::runtime_error(format_error(file, line, field, problem)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)) {}

}  // namespace multipos::util
