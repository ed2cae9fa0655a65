#include "core/model/word_vectors.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/util/file_error.hpp"

namespace multipos::model {

namespace {

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

bool is_count(const std::string& field) {
  return !field.empty() && field.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

WordVectors read_word_vectors(const std::string& path, int64_t expected_dim) {
  std::ifstream in(path);
  if (!in) throw util::FileError(path, 0, "word vectors", "cannot open the file");
  WordVectors vectors;
  vectors.dim = expected_dim;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields = split_fields(line);
    if (fields.empty()) continue;
    // word2vec's header: two integers, the second the width.
    if (number == 1 && fields.size() == 2 && is_count(fields[0]) && is_count(fields[1])) {
      const int64_t dim = std::stoll(fields[1]);
      if (expected_dim > 0 && dim != expected_dim)
        throw util::FileError(path, number, "dim",
                              "header says " + fields[1] + " dimensions, expected " + std::to_string(expected_dim));
      vectors.dim = dim;
      continue;
    }
    const auto values = static_cast<int64_t>(fields.size()) - 1;
    if (vectors.dim <= 0) vectors.dim = values;  // the first row sets the width
    if (values != vectors.dim)
      throw util::FileError(path, number, "values",
                            "word '" + fields[0] + "' has " + std::to_string(values) + " values, expected " +
                                std::to_string(vectors.dim));
    for (size_t i = 1; i < fields.size(); ++i) {
      char* end = nullptr;
      errno = 0;
      const float value = std::strtof(fields[i].c_str(), &end);
      if (end == fields[i].c_str() || *end != '\0' || errno == ERANGE)
        throw util::FileError(path, number, "value " + std::to_string(i), "'" + fields[i] + "' is not a number");
      vectors.values.push_back(value);
    }
    vectors.words.push_back(fields[0]);
  }
  if (vectors.words.empty()) throw util::FileError(path, 0, "word vectors", "the file holds no vectors");
  return vectors;
}

}  // namespace multipos::model
