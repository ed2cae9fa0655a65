// Encoder checkpoints: the module's named parameters as model.safetensors plus a small JSON of
// what produced them (step, config), so evaluation can reload a run's encoder from the store
// alone and a checkpoint from another config is refused with the fields that differ.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/model/encoder.hpp"

namespace multipos::model {

// Writes <dir>/model.safetensors and <dir>/checkpoint.json (directories created); the keys of
// `extra` (the trainer's: run identity, trainer state file) are added to checkpoint.json.
void save_checkpoint(Encoder& encoder, const std::string& dir, int64_t step, const nlohmann::json& config,
                     const nlohmann::json& extra = nlohmann::json::object());

// Loads the parameters into `encoder`; refuses a checkpoint whose stored encoder config differs
// from `encoder_config` or whose tensors do not match the module (names and shapes).
// Returns the checkpoint's step.
int64_t load_checkpoint(Encoder& encoder, const std::string& dir, const nlohmann::json& encoder_config);

}  // namespace multipos::model
