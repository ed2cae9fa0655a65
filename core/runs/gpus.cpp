#include "core/runs/gpus.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace multipos::runs {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    part = trim(part);
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::string run_nvidia_smi() {
  // No shell string built from input: a fixed command line; stderr dropped (no driver: empty).
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(
      ::popen("nvidia-smi --query-gpu=index,name --format=csv,noheader 2>/dev/null", "r"), ::pclose);
  if (!pipe) return "";
  std::string out;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  return out;
}

}  // namespace

std::vector<HostGpu> parse_nvidia_smi_gpus(const std::string& csv) {
  std::vector<HostGpu> gpus;
  std::stringstream stream(csv);
  std::string line;
  while (std::getline(stream, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    HostGpu gpu{trim(line.substr(0, comma)), trim(line.substr(comma + 1))};
    if (!gpu.index.empty() && std::all_of(gpu.index.begin(), gpu.index.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) gpus.push_back(gpu);
  }
  return gpus;
}

std::vector<HostGpu> host_gpus() {
  if (const char* fake = std::getenv("MULTIPOS_FAKE_GPUS")) {
    std::vector<HostGpu> gpus;
    for (const auto& name : split(fake, ',')) gpus.push_back({std::to_string(gpus.size()), name});
    return gpus;
  }
  std::vector<HostGpu> gpus = parse_nvidia_smi_gpus(run_nvidia_smi());
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
    // This process may use only these (numeric entries; UUIDs are kept as the pool when all match).
    std::vector<HostGpu> allowed;
    for (const auto& entry : split(visible, ',')) {
      auto found = std::find_if(gpus.begin(), gpus.end(), [&](const HostGpu& gpu) { return gpu.index == entry; });
      if (found != gpus.end()) allowed.push_back(*found);
    }
    return allowed;
  }
  return gpus;
}

GpuNeed gpu_need(const std::string& config_json) {
  GpuNeed need;
  nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object()) return need;
  std::string device = config.value("device", std::string("auto"));
  if (device == "cpu") return need;
  int world_size = 1;
  if (auto distributed = config.find("distributed"); distributed != config.end() && distributed->is_object())
    world_size = std::max(1, distributed->value("world_size", 1));
  need.count = world_size;
  need.required = device.rfind("cuda", 0) == 0;
  if (device.rfind("cuda:", 0) == 0) {
    try {
      need.pinned = std::stoi(device.substr(5));
    } catch (const std::exception&) {
      // The worker rejects the device with its own message.
    }
  }
  return need;
}

std::string join_gpus(const std::vector<std::string>& gpus) {
  std::string text;
  for (const auto& gpu : gpus) text += (text.empty() ? "" : ",") + gpu;
  return text;
}

std::vector<std::string> split_gpus(const std::string& gpus) { return split(gpus, ','); }

int free_gpu_count(const std::vector<HostGpu>& pool, const std::vector<std::string>& held) {
  std::set<std::string> taken;
  for (const auto& field : held)
    for (const auto& gpu : split_gpus(field)) taken.insert(gpu);
  return static_cast<int>(
      std::count_if(pool.begin(), pool.end(), [&](const HostGpu& gpu) { return taken.count(gpu.index) == 0; }));
}

GpuChoice choose_gpus(const GpuNeed& need, const std::vector<HostGpu>& pool, const std::vector<std::string>& held) {
  GpuChoice choice;
  if (need.count == 0 || pool.empty()) return choice;  // a CPU run, or no GPU to hand out
  std::set<std::string> taken;
  for (const auto& field : held)
    for (const auto& gpu : split_gpus(field)) taken.insert(gpu);
  if (need.pinned) {  // `cuda:N`: it uses GPU N of its own view; wait until nobody holds N
    const std::string index = std::to_string(*need.pinned);
    if (std::none_of(pool.begin(), pool.end(), [&](const HostGpu& gpu) { return gpu.index == index; })) {
      choice.kind = GpuChoice::Kind::impossible;
      choice.reason = "its device cuda:" + index + " is not among this host's " + std::to_string(pool.size()) +
                      " GPU(s)";
      return choice;
    }
    if (taken.count(index)) {
      choice.kind = GpuChoice::Kind::wait;
      return choice;
    }
    choice.kind = GpuChoice::Kind::assign;
    choice.gpus = {index};
    return choice;
  }
  if (need.count > static_cast<int>(pool.size())) {
    choice.kind = GpuChoice::Kind::impossible;
    choice.reason = "it needs " + std::to_string(need.count) + " GPUs (distributed.world_size) and this host has " +
                    std::to_string(pool.size());
    return choice;
  }
  for (const auto& gpu : pool)
    if (!taken.count(gpu.index) && static_cast<int>(choice.gpus.size()) < need.count) choice.gpus.push_back(gpu.index);
  choice.kind = static_cast<int>(choice.gpus.size()) == need.count ? GpuChoice::Kind::assign : GpuChoice::Kind::wait;
  if (choice.kind == GpuChoice::Kind::wait) choice.gpus.clear();
  return choice;
}

std::string describe_gpus(const std::string& gpus, const std::vector<HostGpu>& pool) {
  std::string text;
  for (const auto& index : split_gpus(gpus)) {
    auto found = std::find_if(pool.begin(), pool.end(), [&](const HostGpu& gpu) { return gpu.index == index; });
    std::string name = found != pool.end() ? found->name : "";
    if (name.rfind("NVIDIA ", 0) == 0) name = name.substr(7);
    text += (text.empty() ? "" : ", ") + index + (name.empty() ? "" : " (" + name + ")");
  }
  return text;
}

}  // namespace multipos::runs
