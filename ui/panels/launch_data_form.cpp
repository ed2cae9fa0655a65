#include "ui/panels/launch_data_form.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "core/util/component_kinds.hpp"

namespace multipos::ui {

namespace {

const ImVec4 kErrorColor(0.96f, 0.42f, 0.42f, 1.0f);
const char* const kRegimes[] = {"as_labelled", "human_single", "llm_dense", "mixed"};

// The file fields a kind requires (the engine's table): "path", TREC's three files, or none.
std::vector<std::string> path_fields(const std::string& kind) {
  const util::ComponentKind* found = util::find_dataset_kind(kind);
  return found ? found->file_fields : std::vector<std::string>{};
}

std::string joined(const std::vector<std::string>& words, const char* separator) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : separator) + word;
  return text;
}

// One line per kind: "name: summary".
std::string kinds_tooltip(const std::vector<util::ComponentKind>& kinds) {
  std::string text;
  for (const auto& kind : kinds) text += (text.empty() ? "" : "\n") + kind.name + ": " + kind.summary;
  return text;
}

double number_at(const nlohmann::json& object, const char* key, double fallback) {
  const auto found = object.find(key);
  return found != object.end() && found->is_number() ? found->get<double>() : fallback;
}

// An object member, created as {} when missing or not an object.
nlohmann::json& child(nlohmann::json& object, const char* key) {
  nlohmann::json& value = object[key];
  if (!value.is_object()) value = nlohmann::json::object();
  return value;
}

void row_label(const char* text, float label_width) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(text);
  ImGui::SameLine(label_width);
}

bool rate_input(const char* label, const char* id, nlohmann::json& object, const char* key, float label_width,
                const char* tooltip) {
  row_label(label, label_width);
  float rate = static_cast<float>(number_at(object, key, 0));
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  const bool changed = ImGui::SliderFloat(id, &rate, 0.0f, 0.9f, "%.2f");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tooltip);
  if (changed) object[key] = std::round(rate * 1000) / 1000;  // 0.2, not 0.200000003
  return changed;
}

bool cap_input(const char* label, const char* id, nlohmann::json& object, const char* key, float label_width,
               const char* tooltip) {
  row_label(label, label_width);
  int cap = static_cast<int>(number_at(object, key, 0));
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  const bool changed = ImGui::InputInt(id, &cap);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tooltip);
  if (changed) object[key] = std::max(0, cap);
  return changed;
}

}  // namespace

const std::vector<std::string>& dataset_kinds() {
  static const std::vector<std::string> kinds = util::kind_names(util::dataset_kinds());
  return kinds;
}

bool dataset_kind_reads_path(const std::string& kind) { return !path_fields(kind).empty(); }

const std::vector<std::string>& encoder_kinds() {
  static const std::vector<std::string> kinds = util::kind_names(util::encoder_kinds());
  return kinds;
}

std::vector<std::string> check_dataset_spec(const nlohmann::json& dataset) {
  std::vector<std::string> errors;
  if (!dataset.is_object()) return {"dataset: expected a JSON object"};
  const std::string kind = dataset.value("kind", std::string());
  if (std::find(dataset_kinds().begin(), dataset_kinds().end(), kind) == dataset_kinds().end()) {
    errors.push_back("dataset.kind: '" + kind + "' is not one of " + joined(dataset_kinds(), ", "));
  }
  for (const auto& field : path_fields(kind)) {
    const std::string path = dataset.contains(field) && dataset[field].is_string() ? dataset[field].get<std::string>() : "";
    std::error_code error;
    if (path.empty()) errors.push_back("dataset." + field + ": choose the " + kind + (field == "path" ? " folder or file" : " file"));
    else if (!std::filesystem::exists(path, error)) errors.push_back("dataset." + field + ": " + path + " does not exist");
  }
  const auto noise = dataset.find("noise");
  if (noise != dataset.end() && noise->is_object()) {
    for (const char* key : {"false_positive_rate", "drop_rate"}) {
      const double rate = number_at(*noise, key, 0);
      if (!(rate >= 0 && rate < 1)) errors.push_back(std::string("dataset.noise.") + key + ": expected 0 <= rate < 1");
    }
    if (number_at(*noise, "max_positives", 0) < 0) errors.push_back("dataset.noise.max_positives: expected >= 0");
  }
  return errors;
}

void change_dataset_kind(nlohmann::json& dataset, const std::string& kind) {
  if (!dataset.is_object()) dataset = nlohmann::json::object();
  if (dataset.value("kind", std::string()) == kind) return;
  nlohmann::json kept = nlohmann::json::object();
  for (const auto& key : util::dataset_label_fields()) {
    if (dataset.contains(key)) kept[key] = dataset[key];
  }
  kept["kind"] = kind;
  for (const auto& field : path_fields(kind)) kept[field] = "";
  dataset = std::move(kept);
}

bool json_object_fields(nlohmann::json& object, const std::vector<std::string>& skip, float label_width) {
  bool changed = false;
  std::string remove;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    ImGui::PushID(key.c_str());
    row_label(key.c_str(), label_width);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    nlohmann::json& value = it.value();
    if (value.is_boolean()) {
      bool flag = value.get<bool>();
      if (ImGui::Checkbox("##value", &flag)) value = flag, changed = true;
    } else if (value.is_number_integer()) {
      long long number = value.get<long long>();
      if (ImGui::InputScalar("##value", ImGuiDataType_S64, &number)) value = number, changed = true;
    } else if (value.is_number()) {
      double number = value.get<double>();
      if (ImGui::InputDouble("##value", &number, 0, 0, "%.6g")) value = number, changed = true;
    } else if (value.is_string()) {
      std::string text = value.get<std::string>();
      if (ImGui::InputText("##value", &text)) value = text, changed = true;
    } else {
      // Objects, arrays, null: edited as JSON text, applied when it parses.
      std::string text = value.dump();
      if (ImGui::InputText("##value", &text)) {
        nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
        if (!parsed.is_discarded()) value = parsed, changed = true;
      }
    }
    ImGui::SameLine();
    if (ImGui::SmallButton("x")) remove = key;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Remove %s (the trainer's default applies)", key.c_str());
    ImGui::PopID();
  }
  if (!remove.empty()) {
    object.erase(remove);
    changed = true;
  }
  return changed;
}

bool LaunchDataForm::draw_regime(nlohmann::json& dataset) {
  const float label = ImGui::GetFontSize() * 10.5f;
  nlohmann::json& regime = child(dataset, "regime");
  const std::string current = regime.value("name", std::string("as_labelled"));
  bool changed = false;
  row_label("Label regime", label);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  if (ImGui::BeginCombo("##regime", current.c_str())) {
    for (const char* name : kRegimes) {
      if (ImGui::Selectable(name, current == name)) regime["name"] = name, changed = true;
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Who labelled the training positives: as loaded, one human positive per query,\n"
                      "dense LLM positives (grade >= threshold), or both (train split only)");
  }
  if (current == "llm_dense" || current == "mixed") {
    ImGui::SameLine();
    ImGui::TextUnformatted("threshold");
    ImGui::SameLine();
    float threshold = static_cast<float>(number_at(regime, "threshold", 1));
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4);
    if (ImGui::InputFloat("##threshold", &threshold, 0, 0, "%g")) regime["threshold"] = threshold, changed = true;
    changed |= cap_input("  cap", "##regime_cap", regime, "max_positives", label,
                         "At most this many positives per query, the human one included (0 = no cap)");
  }
  if (current == "as_labelled" && regime.size() <= 1) dataset.erase("regime");  // the default: leave it out
  return changed;
}

bool LaunchDataForm::draw_noise(nlohmann::json& dataset) {
  const float label = ImGui::GetFontSize() * 10.5f;
  nlohmann::json& noise = child(dataset, "noise");
  bool changed = rate_input("False positives", "##fp_rate", noise, "false_positive_rate", label,
                            "Share of the training positives that are false once noise is injected\n"
                            "(taken from the query's hard negatives, flagged, never the first positive)");
  changed |= rate_input("Dropped", "##drop_rate", noise, "drop_rate", label,
                        "Share of the true training positives dropped (a query keeps its last one)");
  changed |= cap_input("Positive cap", "##noise_cap", noise, "max_positives", label,
                       "After noise, keep each training query's first N positives (0 = no cap)");
  const bool empty = number_at(noise, "false_positive_rate", 0) == 0 && number_at(noise, "drop_rate", 0) == 0 &&
                     number_at(noise, "max_positives", 0) == 0 && !noise.contains("seed");
  if (empty) dataset.erase("noise");
  return changed;
}

bool LaunchDataForm::draw_dataset(nlohmann::json& dataset) {
  if (!dataset.is_object()) dataset = nlohmann::json::object({{"kind", "synthetic"}});
  const float label = ImGui::GetFontSize() * 10.5f;
  bool changed = false;
  const std::string kind = dataset.value("kind", std::string("synthetic"));
  row_label("Dataset", label);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  if (ImGui::BeginCombo("##dataset_kind", kind.c_str())) {
    for (const auto& name : dataset_kinds()) {
      if (ImGui::Selectable(name.c_str(), name == kind)) change_dataset_kind(dataset, name), changed = true;
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("%s", kinds_tooltip(util::dataset_kinds()).c_str());
  }
  for (const auto& field : path_fields(dataset.value("kind", std::string()))) {
    ImGui::PushID(field.c_str());
    row_label(field == "path" ? "  folder / file" : ("  " + field).c_str(), label);
    std::string path = dataset.contains(field) && dataset[field].is_string() ? dataset[field].get<std::string>() : "";
    ImGui::SetNextItemWidth(-1);
    if (ImGui::InputTextWithHint("##path", "/path/to/data", &path)) dataset[field] = path, changed = true;
    ImGui::PopID();
  }
  // The kind's own fields (topics, lenient, max_queries, ...) as the JSON holds them.
  changed |= json_object_fields(dataset, {"kind", "path", "corpus", "queries", "qrels", "regime", "noise", "hard_negatives"},
                                label);
  changed |= draw_regime(dataset);
  changed |= draw_noise(dataset);
  return changed;
}

bool LaunchDataForm::draw_encoder(nlohmann::json& encoder) {
  if (!encoder.is_object()) encoder = nlohmann::json::object({{"kind", "bag"}});
  const float label = ImGui::GetFontSize() * 10.5f;
  bool changed = false;
  const std::string kind = encoder.value("kind", std::string("bag"));
  row_label("Encoder", label);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  if (ImGui::BeginCombo("##encoder_kind", kind.c_str())) {
    for (const auto& name : encoder_kinds()) {
      if (ImGui::Selectable(name.c_str(), name == kind) && name != kind) {
        encoder = nlohmann::json::object({{"kind", name}});  // another kind takes other fields
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kinds_tooltip(util::encoder_kinds()).c_str());
  changed |= json_object_fields(encoder, {"kind"}, label);
  // A field the form does not know yet: name and JSON value.
  ImGui::SetNextItemWidth(label - ImGui::GetStyle().ItemSpacing.x);
  ImGui::InputTextWithHint("##new_key", "new field", &new_key_);
  ImGui::SameLine(label);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
  ImGui::InputTextWithHint("##new_value", "JSON value, e.g. 256 or \"/models/x\"", &new_value_);
  ImGui::SameLine();
  if (ImGui::SmallButton("Add") && !new_key_.empty()) {
    nlohmann::json value = nlohmann::json::parse(new_value_, nullptr, false);
    if (value.is_discarded()) value = new_value_;  // bare text: a string, like --set does
    encoder[new_key_] = value;
    new_key_.clear();
    new_value_.clear();
    changed = true;
  }
  return changed;
}

}  // namespace multipos::ui
