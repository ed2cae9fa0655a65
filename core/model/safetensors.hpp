// Reading and writing the safetensors format (a little-endian u64 header length, a JSON header of
// name -> {dtype, shape, data_offsets}, then raw tensor bytes), our own implementation over
// nlohmann_json. Writes and reads F32, F16 and BF16 (read back as F32); reads integer tensors.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>

#include "core/model/safetensors_header.hpp"

namespace multipos::model {

enum class SafetensorsDtype { f32, f16, bf16 };

// Writes the tensors (moved to CPU, contiguous, rounded to `dtype` to nearest-even) in name order;
// atomically through a temporary file renamed into place, so a crash never leaves a half-written
// checkpoint.
void write_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                       SafetensorsDtype dtype = SafetensorsDtype::f32);

// Reads every floating-point tensor as CPU float32 (integer tensors keep their integer type).
// Errors name the file and, where it applies, the tensor.
std::map<std::string, at::Tensor> read_safetensors(const std::string& path);

}  // namespace multipos::model
