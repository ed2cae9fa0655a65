// Pretrained word vectors in the common text format (GloVe, word2vec .txt, fastText .vec): one
// "word v1 ... vd" per line, with an optional "count dim" header line. Used to initialise the bag
// encoder's word buckets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace multipos::model {

struct WordVectors {
  int64_t dim = 0;
  std::vector<std::string> words;
  std::vector<float> values;  // words.size() x dim, row-major
};

// Reads the whole file. Throws util::FileError naming the file, line and field of a malformed row
// (wrong number of values, a value that is not a number); `expected_dim` > 0 also checks the width.
WordVectors read_word_vectors(const std::string& path, int64_t expected_dim = 0);

}  // namespace multipos::model
