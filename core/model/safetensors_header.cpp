#include "core/model/safetensors_header.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <map>

namespace multipos::model {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;

std::size_t dtype_width(const std::string& dtype) {
  static const std::map<std::string, std::size_t> widths = {{"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4},
                                                            {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
  auto it = widths.find(dtype);
  return it == widths.end() ? 0 : it->second;
}

// A JSON array of whole, non-negative numbers: nlohmann's get<> would cast 1e30 or -1 to an integer
// (undefined behaviour for the first), so each element is checked before it is read.
std::vector<uint64_t> whole_numbers(const nlohmann::json& entry, const char* field, const std::string& where) {
  if (!entry.contains(field)) throw SafetensorsError(where + "malformed entry (no " + field + ")");
  const nlohmann::json& array = entry.at(field);
  if (!array.is_array()) throw SafetensorsError(where + field + " must be an array of whole numbers");
  std::vector<uint64_t> out;
  for (const auto& value : array) {
    if (value.is_number_unsigned())
      out.push_back(value.get<uint64_t>());
    else if (value.is_number_integer())
      throw SafetensorsError(where + field + " holds the negative number " + value.dump());
    else
      throw SafetensorsError(where + field + " holds " + value.dump() + ", not a whole number");
  }
  return out;
}

SafetensorsEntry read_entry(const std::string& path, const std::string& name, const nlohmann::json& entry,
                            uint64_t data_size) {
  const std::string where = path + ": tensor '" + name + "': ";
  if (!entry.is_object()) throw SafetensorsError(where + "malformed entry (not a JSON object)");
  SafetensorsEntry out;
  out.name = name;
  if (!entry.contains("dtype") || !entry.at("dtype").is_string())
    throw SafetensorsError(where + "malformed entry (dtype must be a string)");
  out.dtype = entry.at("dtype").get<std::string>();
  const std::vector<uint64_t> offsets = whole_numbers(entry, "data_offsets", where);
  if (offsets.size() != 2) throw SafetensorsError(where + "data_offsets must hold two numbers");
  out.begin = offsets[0];
  out.end = offsets[1];
  out.width = dtype_width(out.dtype);
  if (out.width == 0) throw SafetensorsError(where + "unsupported dtype " + out.dtype + " (F32, F16, BF16, integers)");
  if (out.begin > out.end || out.end > data_size)
    throw SafetensorsError(where + "data offsets outside the file (truncated?)");
  // Count with overflow checks: a huge shape must not wrap around to match the bytes it names.
  uint64_t count = 1, bytes = 0;
  bool overflow = false;
  for (uint64_t dim : whole_numbers(entry, "shape", where)) {
    if (dim > static_cast<uint64_t>(INT64_MAX)) throw SafetensorsError(where + "shape holds a dimension beyond int64");
    out.shape.push_back(static_cast<int64_t>(dim));
    overflow = overflow || __builtin_mul_overflow(count, dim, &count);
  }
  overflow = overflow || __builtin_mul_overflow(count, static_cast<uint64_t>(out.width), &bytes);
  if (overflow) throw SafetensorsError(where + "shape holds more values than any file can");
  if (bytes != out.end - out.begin)
    throw SafetensorsError(where + std::to_string(out.end - out.begin) + " bytes for a shape of " +
                           std::to_string(count) + " " + out.dtype + " values");
  out.count = static_cast<int64_t>(count);
  return out;
}

}  // namespace

SafetensorsHeader read_safetensors_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SafetensorsError(path + ": cannot open");
  in.seekg(0, std::ios::end);
  const auto file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char prefix[8];
  if (file_size < 8 || !in.read(reinterpret_cast<char*>(prefix), 8))
    throw SafetensorsError(path + ": truncated (no header length)");
  uint64_t header_length = 0;
  for (int i = 0; i < 8; ++i) header_length |= static_cast<uint64_t>(prefix[i]) << (8 * i);
  if (header_length > kMaxHeaderBytes || 8 + header_length > file_size)
    throw SafetensorsError(path + ": header length " + std::to_string(header_length) + " does not fit the file");
  std::string text(header_length, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(header_length)))
    throw SafetensorsError(path + ": truncated header");
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw SafetensorsError(path + ": header is not a JSON object");
  SafetensorsHeader header;
  header.data_start = 8 + header_length;
  header.data_size = file_size - header.data_start;
  for (const auto& [name, entry] : json.items()) {
    if (name == "__metadata__") continue;
    header.tensors.push_back(read_entry(path, name, entry, header.data_size));
  }
  return header;
}

}  // namespace multipos::model
