#include "core/model/checkpoint.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <filesystem>
#include <fstream>

#include "core/model/safetensors.hpp"

namespace multipos::model {

void save_checkpoint(Encoder& encoder, const std::string& dir, int64_t step, const nlohmann::json& config,
                     const nlohmann::json& extra) {
  std::filesystem::create_directories(dir);
  std::map<std::string, at::Tensor> tensors;
  for (const auto& item : encoder.named_parameters()) tensors[item.key()] = item.value();
  write_safetensors(dir + "/model.safetensors", tensors);
  const std::string meta = dir + "/checkpoint.json";
  nlohmann::json content = {{"step", step}, {"encoder", encoder.kind()}, {"config", config}};
  content.update(extra);
  {
    std::ofstream file(meta + ".tmp");
    file << content.dump(2);
    file.flush();
    if (!file) throw SafetensorsError(meta + ": write failed (disk full?)");
  }
  std::filesystem::rename(meta + ".tmp", meta);
}

int64_t load_checkpoint(Encoder& encoder, const std::string& dir, const nlohmann::json& encoder_config) {
  const std::string meta_path = dir + "/checkpoint.json";
  std::ifstream meta_file(meta_path);
  if (!meta_file) throw SafetensorsError(meta_path + ": no checkpoint here");
  nlohmann::json meta = nlohmann::json::parse(meta_file, nullptr, false);
  if (meta.is_discarded()) throw SafetensorsError(meta_path + ": not valid JSON");
  const nlohmann::json stored = meta.value("config", nlohmann::json::object()).value("encoder", nlohmann::json::object());
  if (stored != encoder_config) {
    std::string differing;
    for (const auto& patch : nlohmann::json::diff(stored, encoder_config))
      differing += (differing.empty() ? "" : ", ") + patch.value("path", std::string("?"));
    throw SafetensorsError(meta_path + ": checkpoint of another encoder config (differs at " + differing + ")");
  }
  auto tensors = read_safetensors(dir + "/model.safetensors");
  torch::NoGradGuard no_grad;
  for (auto& item : encoder.named_parameters()) {
    auto found = tensors.find(item.key());
    if (found == tensors.end()) throw SafetensorsError(dir + "/model.safetensors: missing tensor '" + item.key() + "'");
    if (found->second.sizes() != item.value().sizes())
      throw SafetensorsError(dir + "/model.safetensors: tensor '" + item.key() + "' has shape " +
                             std::to_string(found->second.numel()) + " values, the module expects " +
                             std::to_string(item.value().numel()));
    item.value().copy_(found->second.to(item.value().device()));
  }
  return meta.value("step", int64_t{0});
}

}  // namespace multipos::model
