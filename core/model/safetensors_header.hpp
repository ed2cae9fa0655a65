// The torch-free half of reading a safetensors file: the little-endian u64 header length, the
// JSON header (name -> {dtype, shape, data_offsets}) and every check that a tensor's entry fits
// the file, so read_safetensors only converts bytes that are known to be there. Fuzzed on its own
// (tests/fuzz) without LibTorch.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace multipos::model {

class SafetensorsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SafetensorsEntry {
  std::string name;
  std::string dtype;            // F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL
  std::vector<int64_t> shape;   // every dimension >= 0
  int64_t count = 0;            // number of values (the product of shape)
  std::size_t width = 0;        // bytes per value
  uint64_t begin = 0, end = 0;  // byte range within the data section; end - begin == count * width
};

struct SafetensorsHeader {
  uint64_t data_start = 0;                // 8 + header length: where the data section begins in the file
  uint64_t data_size = 0;                 // bytes after the header
  std::vector<SafetensorsEntry> tensors;  // in header order, __metadata__ left out
};

// Reads and validates the header of `path`. Throws SafetensorsError naming the file and, where it
// applies, the tensor: truncated file, header not a JSON object, malformed entry, unsupported dtype,
// negative or overflowing shape, data offsets outside the file or not matching the shape.
SafetensorsHeader read_safetensors_header(const std::string& path);

}  // namespace multipos::model
