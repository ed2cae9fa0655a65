// The one error every file parser raises (data loaders, run and qrels files): it names the file,
// the line and the field at fault. what() reads "FILE:LINE: field 'NAME': problem", without LINE
// when it is 0 (a fault of the file as a whole, e.g. a missing split).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace multipos::util {

class FileError : public std::runtime_error {
 public:
  FileError(std::string file, std::size_t line, std::string field, const std::string& problem);
  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string field_;
};

}  // namespace multipos::util
