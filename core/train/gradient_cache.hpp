// Gradient caching (batch.cache_chunk): the check the trainer runs before training; the cached
// mini-batch itself is private to core/train (cached_step.cpp).
#pragma once

#include <string>

#include "core/model/encoder.hpp"
#include "core/train/train_config.hpp"

namespace multipos::train {

// With batch.cache_chunk > 0, refuses an encoder whose randomness a second forward pass cannot
// replay (Encoder::replay_obstacle): throws util::ConfigError naming `source`, the field and why.
void check_gradient_cache(const TrainConfig& config, const model::Encoder& encoder, const std::string& source);

}  // namespace multipos::train
