// libFuzzer target: a safetensors file's header (length prefix, JSON header, every tensor's dtype,
// shape and data offsets) read by model::read_safetensors_header, the checks read_safetensors
// relies on before it converts any byte. Whatever it accepts must describe bytes inside the file.
#include "core/model/safetensors_header.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("safetensors");
  scratch.fresh();
  const std::string path = scratch.file("model.safetensors");
  fuzz::write_file(path, fuzz::as_text(data, size));
  fuzz::expect_only<model::SafetensorsError>("safetensors", path, [&] {
    const model::SafetensorsHeader header = model::read_safetensors_header(path);
    if (header.data_start + header.data_size != size)
      fuzz::violation("safetensors", "data section does not end the file");
    for (const auto& tensor : header.tensors) {
      if (tensor.begin > tensor.end || tensor.end > header.data_size)
        fuzz::violation("safetensors", "tensor '" + tensor.name + "' accepted outside the data section");
      if (static_cast<uint64_t>(tensor.count) * tensor.width != tensor.end - tensor.begin)
        fuzz::violation("safetensors",
                        "tensor '" + tensor.name + "' accepted with a size that does not match its shape");
    }
  });
  return 0;
}
