#include "ui/panels/run_dialogs.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace multipos::ui {

namespace {

const char* const kNotesTitle = "Tags and notes";
const char* const kDeleteTitle = "Delete runs";

}  // namespace

void RunDialogs::edit_notes(const store::RunRecord& run) {
  notes_ = {run.id, run.tags, run.notes};
  notes_requested_ = true;
}

void RunDialogs::confirm_delete(const std::vector<const store::RunRecord*>& runs) {
  deletable_.clear();
  delete_lines_.clear();
  for (const auto* run : runs) {
    const bool running = run->status == "running";
    if (!running) deletable_.push_back(run->id);
    delete_lines_.push_back("#" + std::to_string(run->id) + "  " + run->name + "  (" + run->status + ")" +
                            (running ? "  - running: stop it first, not deleted" : ""));
  }
  delete_requested_ = !runs.empty();
}

void RunDialogs::save_notes() {
  saved_notes_ = notes_;
  notes_open_ = false;
}

void RunDialogs::delete_confirmed() {
  confirmed_deletions_ = deletable_;
  deletable_.clear();
  delete_open_ = false;
}

void RunDialogs::draw_notes() {
  if (notes_requested_) {
    ImGui::OpenPopup(kNotesTitle);
    notes_requested_ = false;
  }
  ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 30, 0), ImGuiCond_Appearing);
  notes_open_ = ImGui::BeginPopupModal(kNotesTitle, nullptr, ImGuiWindowFlags_NoSavedSettings);
  if (!notes_open_) return;
  ImGui::Text("Run #%lld", static_cast<long long>(notes_.run_id));
  ImGui::TextUnformatted("Tags");
  ImGui::SameLine();
  ImGui::TextDisabled("(space separated; the table's filter searches them)");
  ImGui::SetNextItemWidth(-1);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  ImGui::InputText("##tags", &notes_.tags);
  ImGui::TextUnformatted("Notes");
  ImGui::InputTextMultiline("##notes", &notes_.notes, ImVec2(-1, ImGui::GetTextLineHeight() * 6));
  if (ImGui::Button("Save")) {
    save_notes();
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    notes_open_ = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

void RunDialogs::draw_delete() {
  if (delete_requested_) {
    ImGui::OpenPopup(kDeleteTitle);
    delete_requested_ = false;
  }
  ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  delete_open_ = ImGui::BeginPopupModal(kDeleteTitle, nullptr,
                                        ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
  if (!delete_open_) return;
  ImGui::Text("Delete %zu run%s with every series, probe and evaluation, their checkpoints and logs?",
              deletable_.size(), deletable_.size() == 1 ? "" : "s");
  ImGui::TextDisabled("This cannot be undone.");
  for (const auto& line : delete_lines_) ImGui::BulletText("%s", line.c_str());
  ImGui::BeginDisabled(deletable_.empty());
  ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.62f, 0.20f, 0.20f, 1.0f));
  if (ImGui::Button("Delete")) {
    delete_confirmed();
    ImGui::CloseCurrentPopup();
  }
  ImGui::PopStyleColor();
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    deletable_.clear();
    delete_open_ = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

void RunDialogs::draw() {
  draw_notes();
  draw_delete();
}

}  // namespace multipos::ui
