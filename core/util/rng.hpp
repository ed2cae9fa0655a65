// Deterministic random numbers that are identical on every platform and standard library
// (std:: distributions are implementation-defined), so a seed reproduces a dataset or a run.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace multipos::util {

// SplitMix64: tiny state, good statistical quality for data generation and sampling.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform integer in [0, bound) by Lemire's multiply-shift; bound must be > 0.
  uint64_t below(uint64_t bound) {
    __extension__ typedef unsigned __int128 wide;  // __extension__: GCC/Clang builtin, quiet under -Wpedantic
    return static_cast<uint64_t>((static_cast<wide>(next()) * bound) >> 64);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool bernoulli(double p) { return uniform() < p; }
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }
  template <typename T>
  const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }
  // The whole generator state, so a resumed run continues the same sequence.
  uint64_t state() const { return state_; }
  void set_state(uint64_t state) { state_ = state; }

 private:
  uint64_t state_;
};

// FNV-1a 64-bit: a stable hash of text (std::hash differs between library versions).
inline uint64_t stable_hash(std::string_view text, uint64_t seed = 0) {
  uint64_t hash = 0xcbf29ce484222325ull ^ (seed * 0x100000001b3ull);
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace multipos::util
