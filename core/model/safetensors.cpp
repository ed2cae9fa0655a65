#include "core/model/safetensors.hpp"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace multipos::model {

namespace {

float half_to_float(uint16_t half) {
  uint32_t sign = (half & 0x8000u) << 16, exponent = (half >> 10) & 0x1f, mantissa = half & 0x3ffu, bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

float bf16_to_float(uint16_t raw) {
  uint32_t bits = static_cast<uint32_t>(raw) << 16;
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Integer tensors (e.g. BERT's position_ids buffer) keep their type; they are read, never converted.
bool integer_dtype(const std::string& dtype, at::ScalarType& type) {
  static const std::map<std::string, at::ScalarType> types = {
      {"I64", at::kLong}, {"I32", at::kInt}, {"I16", at::kShort}, {"I8", at::kChar}, {"U8", at::kByte}, {"BOOL", at::kBool}};
  auto it = types.find(dtype);
  if (it == types.end()) return false;
  type = it->second;
  return true;
}

// `bytes` holds exactly entry.count values of entry.width bytes (read_safetensors_header checked it).
at::Tensor decode(const SafetensorsEntry& entry, const char* bytes) {
  at::ScalarType integer_type = at::kLong;
  const bool integer = integer_dtype(entry.dtype, integer_type);
  at::Tensor out = at::empty(entry.shape, integer ? integer_type : at::kFloat);
  if (integer || entry.width == 4) {
    if (entry.end > entry.begin) std::memcpy(out.data_ptr(), bytes, entry.end - entry.begin);
    return out;
  }
  float* target = out.data_ptr<float>();
  for (int64_t i = 0; i < entry.count; ++i) {
    uint16_t raw;
    std::memcpy(&raw, bytes + 2 * i, 2);
    target[i] = entry.dtype == "F16" ? half_to_float(raw) : bf16_to_float(raw);
  }
  return out;
}

}  // namespace

void write_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                       SafetensorsDtype dtype) {
  // LibTorch's casts round to nearest-even, as the reference converters do.
  const at::ScalarType type = dtype == SafetensorsDtype::f32   ? at::kFloat
                              : dtype == SafetensorsDtype::f16 ? at::kHalf
                                                               : at::kBFloat16;
  const char* type_name = dtype == SafetensorsDtype::f32 ? "F32" : dtype == SafetensorsDtype::f16 ? "F16" : "BF16";
  nlohmann::json header = nlohmann::json::object();
  std::vector<at::Tensor> ordered;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    at::Tensor cpu = tensor.detach().to(at::kCPU, at::kFloat).to(type).contiguous();
    uint64_t bytes = static_cast<uint64_t>(cpu.numel() * cpu.element_size());
    header[name] = {{"dtype", type_name}, {"shape", cpu.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    ordered.push_back(cpu);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps tensor data 8-byte aligned, as the format suggests
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw SafetensorsError(path + ": cannot write (is the directory writable?)");
    uint64_t length = text.size();
    unsigned char little_endian[8];
    for (int i = 0; i < 8; ++i) little_endian[i] = static_cast<unsigned char>(length >> (8 * i));
    out.write(reinterpret_cast<const char*>(little_endian), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& tensor : ordered)
      out.write(static_cast<const char*>(tensor.data_ptr()), static_cast<std::streamsize>(tensor.numel() * tensor.element_size()));
    out.flush();
    if (!out) throw SafetensorsError(path + ": write failed (disk full?)");
  }
  std::filesystem::rename(temporary, path);
}

std::map<std::string, at::Tensor> read_safetensors(const std::string& path) {
  const SafetensorsHeader header = read_safetensors_header(path);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> data(header.data_size);
  in.seekg(static_cast<std::streamoff>(header.data_start));
  if (!in || !in.read(data.data(), static_cast<std::streamsize>(header.data_size)))
    throw SafetensorsError(path + ": truncated (the file changed while it was read?)");
  std::map<std::string, at::Tensor> tensors;
  for (const SafetensorsEntry& entry : header.tensors) tensors[entry.name] = decode(entry, data.data() + entry.begin);
  return tensors;
}

}  // namespace multipos::model
