// Learning-rate schedule: linear warm-up then linear decay to zero (or constant after warm-up).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

namespace multipos::train {

inline double scheduled_lr(double base_lr, int64_t step, int64_t total_steps, int64_t warmup_steps,
                           const std::string& schedule) {
  if (warmup_steps > 0 && step < warmup_steps)
    return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (schedule == "constant") return base_lr;
  double remaining = static_cast<double>(total_steps - step) / static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  return base_lr * std::clamp(remaining, 0.0, 1.0);
}

}  // namespace multipos::train
