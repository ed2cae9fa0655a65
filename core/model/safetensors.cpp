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

constexpr uint64_t kMaxHeaderBytes = 100u << 20;

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

at::Tensor decode(const std::string& path, const std::string& name, const std::string& dtype,
                  const std::vector<int64_t>& shape, const char* bytes, size_t size) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) throw SafetensorsError(path + ": tensor '" + name + "': negative dimension");
    count *= dim;
  }
  at::ScalarType integer_type = at::kLong;
  const bool integer = integer_dtype(dtype, integer_type);
  const size_t width = integer                                ? at::elementSize(integer_type)
                       : dtype == "F32"                       ? 4
                       : (dtype == "F16" || dtype == "BF16") ? 2
                                                              : 0;
  if (width == 0)
    throw SafetensorsError(path + ": tensor '" + name + "': unsupported dtype " + dtype + " (F32, F16, BF16, integers)");
  if (size != static_cast<size_t>(count) * width)
    throw SafetensorsError(path + ": tensor '" + name + "': " + std::to_string(size) + " bytes for shape of " +
                           std::to_string(count) + " " + dtype + " values");
  at::Tensor out = at::empty(shape, integer ? integer_type : at::kFloat);
  if (integer || width == 4) {
    std::memcpy(out.data_ptr(), bytes, size);
    return out;
  }
  float* target = out.data_ptr<float>();
  for (int64_t i = 0; i < count; ++i) {
    uint16_t raw;
    std::memcpy(&raw, bytes + 2 * i, 2);
    target[i] = dtype == "F16" ? half_to_float(raw) : bf16_to_float(raw);
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SafetensorsError(path + ": cannot open");
  in.seekg(0, std::ios::end);
  const auto file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char prefix[8];
  if (file_size < 8 || !in.read(reinterpret_cast<char*>(prefix), 8)) throw SafetensorsError(path + ": truncated (no header length)");
  uint64_t header_length = 0;
  for (int i = 0; i < 8; ++i) header_length |= static_cast<uint64_t>(prefix[i]) << (8 * i);
  if (header_length > kMaxHeaderBytes || 8 + header_length > file_size)
    throw SafetensorsError(path + ": header length " + std::to_string(header_length) + " does not fit the file");
  std::string text(header_length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_length));
  nlohmann::json header = nlohmann::json::parse(text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) throw SafetensorsError(path + ": header is not a JSON object");
  const uint64_t data_start = 8 + header_length, data_size = file_size - data_start;
  std::vector<char> data(data_size);
  in.read(data.data(), static_cast<std::streamsize>(data_size));
  std::map<std::string, at::Tensor> tensors;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    try {
      auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        throw SafetensorsError(path + ": tensor '" + name + "': data offsets outside the file (truncated?)");
      tensors[name] = decode(path, name, entry.at("dtype").get<std::string>(), entry.at("shape").get<std::vector<int64_t>>(),
                             data.data() + offsets[0], offsets[1] - offsets[0]);
    } catch (const nlohmann::json::exception& error) {
      throw SafetensorsError(path + ": tensor '" + name + "': malformed entry (" + error.what() + ")");
    }
  }
  return tensors;
}

}  // namespace multipos::model
