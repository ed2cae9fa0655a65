#include "core/train/precision_choice.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace multipos::train {

namespace {

bool has_flag(const std::string& flags, const std::string& flag) {
  std::istringstream words(flags);
  std::string word;
  while (words >> word)
    if (word == flag) return true;
  return false;
}

}  // namespace

PrecisionChoice choose_auto_precision(const PrecisionFacts& facts) {
  if (facts.cuda) {
    const std::string gpu = facts.cuda_name.empty() ? std::string("the GPU") : facts.cuda_name;
    if (facts.cuda_bf16) return {"bf16", gpu + " computes bf16 natively (compute capability 8.0 or newer)"};
    return {"fp32", gpu + " has no native bf16 (compute capability below 8.0)"};
  }
  for (const char* flag : {"amx_bf16", "avx512_bf16"})
    if (has_flag(facts.cpu_flags, flag)) return {"bf16", std::string("the CPU has ") + flag};
  return {"fp32", "the CPU has neither amx_bf16 nor avx512_bf16 (bf16 would be emulated, slower than fp32)"};
}

std::string cpu_flags() {
  if (const char* forced = std::getenv("MULTIPOS_CPU_FLAGS")) return forced;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    const auto colon = line.find(':');
    return colon == std::string::npos ? std::string() : line.substr(colon + 1);
  }
  return "";
}

const std::string& effective_precision(const OptimizerConfig& optimizer) {
  static const std::string fp32 = "fp32";
  if (optimizer.precision != "auto") return optimizer.precision;
  return optimizer.precision_resolved.empty() ? fp32 : optimizer.precision_resolved;
}

}  // namespace multipos::train
