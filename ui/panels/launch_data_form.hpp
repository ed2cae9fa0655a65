// The data and model part of the "New runs" panel: the dataset (built-in synthetic or WordNet, or
// a folder/file in BEIR, Tevatron, MS MARCO or TREC format), its label regime and positive-quality
// controls (noise rate, drop rate, caps), and the encoder. Both are edited as the JSON objects the
// run config holds ("dataset", "encoder"), so a field the trainer learns tomorrow needs no code
// here: the encoder form shows every field of the object by its JSON type and can add new ones.
// Pure checks are separate from drawing so they are unit-tested. UI thread only.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace multipos::ui {

// Dataset kinds the panel offers, and whether a kind requires files: the engine's own table
// (core/util/component_kinds.hpp), which its factories validate against.
const std::vector<std::string>& dataset_kinds();
bool dataset_kind_reads_path(const std::string& kind);
// Encoder kinds the panel offers (the same table).
const std::vector<std::string>& encoder_kinds();

// Problems the panel can see without loading anything: a missing path, a path that does not
// exist, rates outside [0, 1), negative caps. Messages name the field ("dataset.path: ...").
std::vector<std::string> check_dataset_spec(const nlohmann::json& dataset);

// Sets the dataset's kind, keeping the regime / noise / hard-negative options and dropping the
// fields of the previous kind (topics, path, ...) that the new kind would refuse.
void change_dataset_kind(nlohmann::json& dataset, const std::string& kind);

class LaunchDataForm {
 public:
  // Each returns true when it changed the object.
  bool draw_dataset(nlohmann::json& dataset);
  bool draw_encoder(nlohmann::json& encoder);

 private:
  bool draw_regime(nlohmann::json& dataset);
  bool draw_noise(nlohmann::json& dataset);

  std::string new_key_, new_value_;  // the encoder's "add a field" row
  std::string encoder_error_;
};

// One row per field of a JSON object, typed by its value (number, integer, bool, string; nested
// objects and arrays as JSON text). Keys in `skip` are left out. True when something changed.
bool json_object_fields(nlohmann::json& object, const std::vector<std::string>& skip, float label_width);

}  // namespace multipos::ui
