// What optimizer.precision "auto" becomes on this machine, and why: bf16 autocast where the
// hardware computes bf16 matrix products natively (a CPU with AMX or AVX512-BF16, a CUDA GPU of
// compute capability 8.0 or newer), fp32 elsewhere. A run resolves it once, when it first starts,
// and stores the choice in its config (optimizer.precision_resolved), so a resumed run keeps it
// even on another machine. Torch-free: the device facts come in as arguments.
#pragma once

#include <string>

#include "core/train/train_config.hpp"

namespace multipos::train {

struct PrecisionChoice {
  std::string precision;  // "bf16" or "fp32"
  std::string reason;     // e.g. "the CPU has amx_bf16"
};

// The facts the choice depends on. `cpu_flags` is the "flags" line of /proc/cpuinfo (or the
// MULTIPOS_CPU_FLAGS override, see cpu_flags()).
struct PrecisionFacts {
  bool cuda = false;                 // the run trains on a CUDA device
  bool cuda_bf16 = false;            // that device computes bf16 natively
  std::string cuda_name;             // for the reason, e.g. "NVIDIA H100 80GB HBM3"
  std::string cpu_flags;
};

PrecisionChoice choose_auto_precision(const PrecisionFacts& facts);

// This CPU's feature flags: $MULTIPOS_CPU_FLAGS when set (tests and users who want to force the
// choice; "" counts as no flags), else the first "flags" line of /proc/cpuinfo ("" when absent).
std::string cpu_flags();

// The precision the run computes in: precision_resolved under "auto" (fp32 while unresolved),
// otherwise precision itself.
const std::string& effective_precision(const OptimizerConfig& optimizer);

}  // namespace multipos::train
