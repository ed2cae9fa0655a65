// Which GPUs a host has and which of them a queued run gets. The scheduler gives each worker its
// own GPUs through CUDA_VISIBLE_DEVICES: a run whose `device` is `cuda` or `auto` gets one GPU per
// rank (`distributed.world_size`), never one another running run of the host holds. Torch-free:
// the GPUs come from `nvidia-smi`, or from MULTIPOS_FAKE_GPUS (e.g. "H100,H100,H100,H100") so the
// assignment is tested on machines without one.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace multipos::runs {

struct HostGpu {
  std::string index;  // as CUDA_VISIBLE_DEVICES names it
  std::string name;   // "NVIDIA H100 80GB HBM3"
};

// The host's GPUs this process may use: MULTIPOS_FAKE_GPUS when set (names, comma-separated;
// indices 0..N-1), else `nvidia-smi --query-gpu=index,name` restricted to the indices of this
// process's CUDA_VISIBLE_DEVICES when that is set. Empty without a GPU or a driver.
std::vector<HostGpu> host_gpus();

// Parses nvidia-smi's "index, name" CSV lines (exposed for tests).
std::vector<HostGpu> parse_nvidia_smi_gpus(const std::string& csv);

// What a run's config asks for: `count` GPUs (its world size), `required` when its device is
// `cuda`/`cuda:N` (not `auto`), `pinned` when it names one (`cuda:N`: no remapping then).
struct GpuNeed {
  int count = 0;
  bool required = false;
  std::optional<int> pinned;
};
GpuNeed gpu_need(const std::string& config_json);

// The outcome of looking for a run's GPUs.
struct GpuChoice {
  enum class Kind { none, assign, wait, impossible } kind = Kind::none;
  std::vector<std::string> gpus;  // assign: the indices to give it
  std::string reason;             // impossible: why it can never start here
};

// `held`: the gpus fields of the host's running runs ("0,1", "2"). Lowest free indices first.
GpuChoice choose_gpus(const GpuNeed& need, const std::vector<HostGpu>& pool, const std::vector<std::string>& held);

// "0,1" <-> {"0", "1"}.
std::string join_gpus(const std::vector<std::string>& gpus);
std::vector<std::string> split_gpus(const std::string& gpus);

// GPUs of `pool` no running run holds.
int free_gpu_count(const std::vector<HostGpu>& pool, const std::vector<std::string>& held);

// For the runs table: "0 (H100)" style text of a run's gpus field with the pool's names.
std::string describe_gpus(const std::string& gpus, const std::vector<HostGpu>& pool);

}  // namespace multipos::runs
