#include "core/model/device_info.hpp"

#include <ATen/Context.h>
#include <torch/version.h>

#include <cstdio>

#ifdef MULTIPOS_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
#endif

namespace multipos::model {

bool libtorch_has_cuda() {
#ifdef MULTIPOS_TORCH_CUDA
  return true;
#else
  return false;
#endif
}

std::string libtorch_description() {
  std::string text = "LibTorch " + std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                     "." + std::to_string(TORCH_VERSION_PATCH);
#ifdef MULTIPOS_TORCH_CUDA
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess && runtime > 0)
    return text + " (CUDA " + std::to_string(runtime / 1000) + "." + std::to_string(runtime % 1000 / 10) + ")";
  return text + " (CUDA)";
#else
  return text + " (CPU only)";
#endif
}

int cuda_device_count() {
#ifdef MULTIPOS_TORCH_CUDA
  return at::hasCUDA() ? static_cast<int>(c10::cuda::device_count()) : 0;
#else
  return 0;
#endif
}

std::string device_description(const c10::Device& device) {
  std::string text = device.str();
#ifdef MULTIPOS_TORCH_CUDA
  if (device.is_cuda()) {
    const auto index = device.has_index() ? device.index() : c10::cuda::current_device();
    const cudaDeviceProp* properties = at::cuda::getDeviceProperties(index);
    char memory[32];
    std::snprintf(memory, sizeof memory, "%.1f GiB", static_cast<double>(properties->totalGlobalMem) / (1 << 30));
    text += " (" + std::string(properties->name) + ", " + memory + ")";
  }
#endif
  return text;
}

std::string runtime_line(const c10::Device& device) {
  return libtorch_description() + " on " + device_description(device);
}

bool cuda_supports_bf16([[maybe_unused]] const c10::Device& device) {
#ifdef MULTIPOS_TORCH_CUDA
  if (!device.is_cuda()) return false;
  const auto index = device.has_index() ? device.index() : c10::cuda::current_device();
  return at::cuda::getDeviceProperties(index)->major >= 8;
#else
  return false;
#endif
}

int64_t cuda_peak_allocated_bytes([[maybe_unused]] const c10::Device& device) {
#ifdef MULTIPOS_TORCH_CUDA
  if (!device.is_cuda()) return 0;
  const auto index = device.has_index() ? device.index() : c10::cuda::current_device();
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  return stats.allocated_bytes[0].peak;  // [0]: the aggregate over pool types
#else
  return 0;
#endif
}

void reset_cuda_peak([[maybe_unused]] const c10::Device& device) {
#ifdef MULTIPOS_TORCH_CUDA
  if (!device.is_cuda()) return;
  const auto index = device.has_index() ? device.index() : c10::cuda::current_device();
  c10::cuda::CUDACachingAllocator::resetPeakStats(index);
#endif
}

void synchronize([[maybe_unused]] const c10::Device& device) {
#ifdef MULTIPOS_TORCH_CUDA
  if (device.is_cuda()) c10::cuda::device_synchronize();
#endif
}

}  // namespace multipos::model
