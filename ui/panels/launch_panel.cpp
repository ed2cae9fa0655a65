#include "ui/panels/launch_panel.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <imgui.h>
#include <nlohmann/json.hpp>

#include "core/objectives/positive_sampling.hpp"
#include "core/objectives/registry.hpp"
#include "core/util/assets.hpp"
#include "core/runs/scheduler.hpp"

namespace multipos::ui {

namespace {

const ImVec4 kErrorColor(0.96f, 0.42f, 0.42f, 1.0f);
const char* const kDevices[] = {"auto", "cpu", "cuda"};

std::string draft_key(const LaunchRequest& request) {
  std::string key = request.preset_path + "|" + std::to_string(request.steps) + "|" + std::to_string(request.seed) +
                    "|" + std::to_string(request.lr) + "|" + request.device + "|" +
                    std::to_string(request.max_concurrent);
  for (const auto& objective : request.objectives) key += "|" + objective;
  key += "|" + request.dataset.dump() + "|" + request.encoder.dump() + "|" + request.base_label;
  return key;
}

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

LaunchPanel::LaunchPanel(std::string assets_dir, const RunFactory* factory)
    : assets_dir_(std::move(assets_dir)), factory_(factory), presets_(util::list_asset_files(assets_dir_, "presets")) {
  draft_.objectives = default_launch_objectives();
  draft_.max_concurrent =
      runs::default_max_concurrent(std::thread::hardware_concurrency(), static_cast<int>(runs::host_gpus().size()));
  // quick.json trains in seconds: the friendliest first choice when it is there.
  const auto quick = std::find_if(presets_.begin(), presets_.end(),
                                  [](const std::string& path) { return file_name(path) == "quick.json"; });
  if (quick != presets_.end()) choose_preset(*quick);
  else if (!presets_.empty()) choose_preset(presets_.front());
}

void LaunchPanel::open() {
  open_requested_ = true;
  presets_ = util::list_asset_files(assets_dir_, "presets");  // presets added since the studio started show up
}

void LaunchPanel::fill_from_config(const nlohmann::json& config) {
  draft_.steps = config.value("steps", draft_.steps);
  draft_.seed = config.value("seed", draft_.seed);
  draft_.device = config.value("device", draft_.device);
  const auto optimizer = config.find("optimizer");
  if (optimizer != config.end() && optimizer->is_object()) draft_.lr = optimizer->value("lr", draft_.lr);
  const auto batch = config.find("batch");
  draft_.cache_chunk = batch != config.end() && batch->is_object() ? batch->value("cache_chunk", int64_t{0}) : 0;
  const auto dataset = config.find("dataset");
  draft_.dataset = dataset != config.end() && dataset->is_object() ? *dataset : nlohmann::json{{"kind", "synthetic"}};
  const auto encoder = config.find("encoder");
  draft_.encoder = encoder != config.end() && encoder->is_object() ? *encoder : nlohmann::json{{"kind", "bag"}};
}

void LaunchPanel::choose_preset(const std::string& path) {
  draft_.preset_path = path;
  draft_.base_config = nullptr;
  draft_.base_label.clear();
  std::ifstream in(path);
  const nlohmann::json preset = nlohmann::json::parse(in, nullptr, false);
  if (preset.is_discarded() || !preset.is_object()) return;  // the validation names the problem
  fill_from_config(preset);
}

bool LaunchPanel::duplicate(const store::RunRecord& run) {
  const nlohmann::json config = nlohmann::json::parse(run.config_json, nullptr, false);
  if (!config.is_object()) return false;
  draft_.base_config = config;
  draft_.base_config.erase("name");  // the copies are named after their objectives again
  draft_.base_label = "run #" + std::to_string(run.id);
  fill_from_config(config);
  const std::string objective = config.contains("objective") && config["objective"].is_object()
                                    ? config["objective"].value("name", run.objective) : run.objective;
  if (!objective.empty()) draft_.objectives = {objective};
  open();
  return true;
}

void LaunchPanel::validate_if_changed() {
  const std::string key = draft_key(draft_);
  if (key == validated_key_) return;
  validated_key_ = key;
  errors_ = check_launch_ranges(draft_);
  // The full config resolution only makes sense once the fields are in range.
  if (errors_.empty() && factory_ && factory_->validate) {
    for (auto& message : factory_->validate(draft_)) errors_.push_back({"", std::move(message)});
  }
}

const std::vector<FieldError>& LaunchPanel::errors() {
  validate_if_changed();
  return errors_;
}

const DatasetCheck& LaunchPanel::dataset_check() {
  dataset_check_ = {};
  // Only a dataset the range checks accept is worth loading (no missing folder, sane rates).
  if (draft_.dataset.is_null() || !check_dataset_spec(draft_.dataset).empty()) return dataset_check_;
  if (!factory_ || !factory_->check_dataset) return dataset_check_;
  if (!dataset_checker_) {
    dataset_checker_ = std::make_unique<DatasetChecker>([check = factory_->check_dataset](const std::string& spec) {
      return check(nlohmann::json::parse(spec));
    });
  }
  const DatasetCheckAnswer* answer = dataset_checker_->get(draft_.dataset.dump());
  if (!answer) {
    dataset_check_.state = DatasetCheck::State::checking;
    dataset_check_.message = "loading the dataset to check it...";
  } else {
    dataset_check_.state = answer->ok ? DatasetCheck::State::ok : DatasetCheck::State::failed;
    dataset_check_.message = answer->message;
  }
  return dataset_check_;
}

bool LaunchPanel::launch() {
  if (!errors().empty() || !factory_ || !factory_->available()) return false;
  if (dataset_check().state == DatasetCheck::State::failed) return false;
  launched_ = draft_;
  return true;
}

void LaunchPanel::field_errors(const char* field) {
  for (const auto& error : errors()) {
    if (error.field != field) continue;
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(kErrorColor, "%s", error.message.c_str());
    ImGui::PopTextWrapPos();
  }
}

void LaunchPanel::draw_objectives() {
  ImGui::TextUnformatted("Objectives");
  ImGui::SameLine();
  ImGui::TextDisabled("(one run each, launched as one group)");
  const auto& names = launchable_objectives();
  const float column = ImGui::GetFontSize() * 8.5f;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i % 4 != 0) ImGui::SameLine(ImGui::GetStyle().WindowPadding.x + column * static_cast<float>(i % 4));
    bool ticked = std::find(draft_.objectives.begin(), draft_.objectives.end(), names[i]) != draft_.objectives.end();
    if (ImGui::Checkbox(names[i].c_str(), &ticked)) {
      // Keep the paper's order whatever order the boxes are ticked in.
      std::vector<std::string> chosen;
      for (const auto& name : names) {
        const bool was = std::find(draft_.objectives.begin(), draft_.objectives.end(), name) != draft_.objectives.end();
        if (name == names[i] ? ticked : was) chosen.push_back(name);
      }
      draft_.objectives = std::move(chosen);
    }
    if (ImGui::IsItemHovered())
      if (const auto* traits = objectives::find_objective(names[i]); traits && !traits->summary.empty())
        ImGui::SetTooltip("%s: %s", traits->label.c_str(), traits->summary.c_str());
  }
  if (ImGui::SmallButton("All")) draft_.objectives = names;
  ImGui::SameLine();
  if (ImGui::SmallButton("None")) draft_.objectives.clear();
  field_errors("objectives");
}

void LaunchPanel::draw_numbers() {
  const float label = ImGui::GetFontSize() * 8;
  const float input = ImGui::GetFontSize() * 10;
  auto row_label = [&](const char* text) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(text);
    ImGui::SameLine(label);
    ImGui::SetNextItemWidth(input);
  };
  row_label("Steps");
  long long steps = draft_.steps;
  if (ImGui::InputScalar("##steps", ImGuiDataType_S64, &steps)) draft_.steps = steps;
  field_errors("steps");
  row_label("Seed");
  long long seed = draft_.seed;
  if (ImGui::InputScalar("##seed", ImGuiDataType_S64, &seed)) draft_.seed = seed;
  field_errors("seed");
  row_label("Learning rate");
  ImGui::InputDouble("##lr", &draft_.lr, 0, 0, "%.6g");
  field_errors("lr");
  row_label("Cache chunk");
  long long cache_chunk = draft_.cache_chunk;
  if (ImGui::InputScalar("##cache_chunk", ImGuiDataType_S64, &cache_chunk)) draft_.cache_chunk = cache_chunk;
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Gradient caching: encode the batch this many queries at a time, for the exact gradient of the "
        "whole batch in the memory of one chunk, at the cost of a second forward pass; 0 = off.");
  ImGui::SameLine();
  ImGui::TextDisabled("queries per chunk, 0 = off");
  field_errors("cache_chunk");
  row_label("Device");
  if (ImGui::BeginCombo("##device", draft_.device.c_str())) {
    for (const char* device : kDevices) {
      if (ImGui::Selectable(device, draft_.device == device)) draft_.device = device;
    }
    ImGui::EndCombo();
  }
  field_errors("device");
  row_label("Positives");
  if (ImGui::BeginCombo("##positive_sampling",
                        draft_.positive_sampling.empty() ? "as in the preset" : draft_.positive_sampling.c_str())) {
    if (ImGui::Selectable("as in the preset", draft_.positive_sampling.empty())) draft_.positive_sampling.clear();
    for (const std::string& scheme : objectives::positive_sampling_schemes()) {
      if (ImGui::Selectable(scheme.c_str(), draft_.positive_sampling == scheme)) draft_.positive_sampling = scheme;
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("batch.positive_sampling: which max_positives of a query's positives enter the batch.\n"
                      "first: the annotator's top ones every epoch; rotate: each in turn, highest grades first;\n"
                      "random: a seeded draw each epoch; graded_random: drawn in proportion to the grade.\n"
                      "Every objective sees the same positives for the same seed.");
  }
  field_errors("positive_sampling");
  row_label("At most");
  ImGui::InputInt("##max_concurrent", &draft_.max_concurrent);
  ImGui::SameLine();
  ImGui::TextDisabled("runs train at once on this machine");
  field_errors("max_concurrent");
}

void LaunchPanel::draw_preset() {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Preset");
  ImGui::SameLine(ImGui::GetFontSize() * 8);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
  const std::string preview = !draft_.base_label.empty() ? "copy of " + draft_.base_label
                              : draft_.preset_path.empty() ? "(none found)" : file_name(draft_.preset_path);
  if (ImGui::BeginCombo("##preset", preview.c_str())) {
    for (const auto& path : presets_) {
      if (ImGui::Selectable(file_name(path).c_str(), path == draft_.preset_path && draft_.base_label.empty())) {
        choose_preset(path);
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", path.c_str());
    }
    ImGui::EndCombo();
  }
  if (!draft_.base_label.empty() && ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Every setting of %s; the fields below override it", draft_.base_label.c_str());
  }
  if (presets_.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("no presets in %s", assets_dir_.empty() ? "(assets not found)" : assets_dir_.c_str());
  }
  field_errors("preset");
}

void LaunchPanel::draw_data() {
  if (ImGui::CollapsingHeader("Data and labels", ImGuiTreeNodeFlags_DefaultOpen)) {
    data_form_.draw_dataset(draft_.dataset);
    field_errors("dataset");
    const DatasetCheck& check = dataset_check();
    if (check.state != DatasetCheck::State::none) {
      ImGui::PushTextWrapPos(0);
      if (check.state == DatasetCheck::State::failed) ImGui::TextColored(kErrorColor, "%s", check.message.c_str());
      else ImGui::TextDisabled("%s", check.message.c_str());
      ImGui::PopTextWrapPos();
    }
  }
  if (ImGui::CollapsingHeader("Encoder", ImGuiTreeNodeFlags_DefaultOpen)) {
    data_form_.draw_encoder(draft_.encoder);
    field_errors("encoder");
  }
}

void LaunchPanel::draw() {
  if (open_requested_) {
    ImGui::OpenPopup("New runs");
    open_requested_ = false;
  }
  const ImVec2 center = ImGui::GetMainViewport()->GetCenter();
  ImGui::SetNextWindowPos(center, ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  const float width = ImGui::GetFontSize() * 40;
  ImGui::SetNextWindowSizeConstraints(ImVec2(width, 0), ImVec2(width * 1.5f, ImGui::GetMainViewport()->WorkSize.y * 0.92f));
  ImGui::SetNextWindowSize(ImVec2(width, 0), ImGuiCond_Appearing);
  open_ = ImGui::BeginPopupModal("New runs", nullptr, ImGuiWindowFlags_NoSavedSettings);
  if (!open_) return;
  draw_preset();
  ImGui::Separator();
  draw_objectives();
  ImGui::Separator();
  draw_numbers();
  draw_data();
  ImGui::Separator();
  field_errors("");
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("The studio queues the runs and starts them as background processes; they keep training "
                      "when the studio closes, with their output next to the database (runs.sqlite.logs/). "
                      "Several objectives also get a BM25 baseline run.");
  ImGui::PopTextWrapPos();
  const bool can_create = factory_ && factory_->available();
  const bool valid = errors().empty() && dataset_check().state != DatasetCheck::State::failed;
  ImGui::BeginDisabled(!valid || !can_create);
  const std::string label = "Launch " + std::to_string(draft_.objectives.size()) +
                            (draft_.objectives.size() == 1 ? " run" : " runs");
  if (ImGui::Button(label.c_str())) {
    if (launch()) ImGui::CloseCurrentPopup();
  }
  ImGui::EndDisabled();
  if (!can_create) {
    ImGui::SameLine();
    ImGui::TextDisabled("(this build cannot create runs)");
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace multipos::ui
