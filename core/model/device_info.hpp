// What a run trains on, in words, and the few CUDA facts the trainer and benchmarks need. Compiles
// against a CPU-only LibTorch (Debian's 1.13) and a CUDA one (PyPI's 2.x): the CUDA calls exist only
// where CMake found LibTorch's CUDA libraries (MULTIPOS_TORCH_CUDA).
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <string>

namespace multipos::model {

// "LibTorch 2.15.0 (CUDA 13.2)" or "LibTorch 1.13.0 (CPU only)".
std::string libtorch_description();

// Whether this LibTorch was built with CUDA (independent of a GPU being present).
bool libtorch_has_cuda();

// GPUs LibTorch sees (after CUDA_VISIBLE_DEVICES); 0 without CUDA.
int cuda_device_count();

// "cpu" or "cuda:0 (NVIDIA H100 80GB HBM3, 79.2 GiB)".
std::string device_description(const c10::Device& device);

// The first line of a run's log: "LibTorch 2.15.0 (CUDA 13.2) on cuda:0 (NVIDIA H100 ..., 79.2 GiB)".
std::string runtime_line(const c10::Device& device);

// Whether `device` is a CUDA GPU that computes bf16 natively (compute capability 8.0 or newer);
// false on a CPU or without CUDA.
bool cuda_supports_bf16(const c10::Device& device);

// Peak bytes allocated by LibTorch's CUDA caching allocator on `device` since the last reset (0 on a
// CPU or without CUDA), and the reset.
int64_t cuda_peak_allocated_bytes(const c10::Device& device);
void reset_cuda_peak(const c10::Device& device);

// Waits for the device's queued work (timing); no-op on a CPU.
void synchronize(const c10::Device& device);

}  // namespace multipos::model
