#include "ui/panels/study_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>

#include "core/runs/process.hpp"
#include "core/store/run_store.hpp"
#include "core/study/study_report.hpp"
#include "core/study/study_results.hpp"
#include "core/study/study_figures.hpp"
#include "core/study/study_spec.hpp"

namespace multipos::ui {

namespace {

// The report's colours, so a figure and the tab agree; BM25 is lightened for the dark theme.
ImU32 curve_color(const StudyCurve& curve, float alpha) {
  study::Color color = curve.objective == "bm25" ? study::Color{200, 200, 200, 255} : study::objective_color(curve.objective);
  return IM_COL32(color.r, color.g, color.b, static_cast<int>(255 * alpha));
}

// One legend per regime above its four small plots, instead of a legend inside each plot that
// hides the lines: a swatch and the name of every curve, wrapped to the width.
void draw_shared_legend(const std::vector<StudyCurve>& curves) {
  const float right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
  bool first = true;
  for (const auto& curve : curves) {
    if (curve.xs.empty()) continue;
    const float width = ImGui::GetFrameHeight() * 0.9f + ImGui::GetStyle().ItemInnerSpacing.x +
                        ImGui::CalcTextSize(curve.label.c_str()).x;
    if (!first) {
      ImGui::SameLine(0, ImGui::GetStyle().ItemSpacing.x * 3);
      if (ImGui::GetCursorScreenPos().x + width > right) ImGui::NewLine();
    }
    first = false;
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float side = ImGui::GetTextLineHeight();
    const float y = at.y + side * 0.5f;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddLine(ImVec2(at.x, y), ImVec2(at.x + side * 1.4f, y), curve_color(curve, curve.reference ? 0.6f : 1.0f),
                  curve.reference ? 1.0f : 2.5f);
    ImGui::Dummy(ImVec2(side * 1.4f, side));
    ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
    ImGui::TextUnformatted(curve.label.c_str());
  }
}

// The summary is Markdown; the tab shows it as plain text.
std::string without_emphasis(std::string text) {
  for (std::size_t at = text.find("**"); at != std::string::npos; at = text.find("**", at)) text.erase(at, 2);
  return text;
}

}  // namespace

StudyPanel::StudyPanel(std::string database, std::string executable)
    : database_(std::move(database)), executable_(std::move(executable)) {
  worker_ = std::thread([this] { worker_loop(); });
}

StudyPanel::~StudyPanel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::shared_ptr<const StudyView> StudyPanel::view() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return view_;
}

std::vector<std::string> StudyPanel::studies() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return studies_;
}

void StudyPanel::select(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    selected_ = name;
    refresh_requested_ = true;
  }
  wake_.notify_all();
}

void StudyPanel::refresh_now() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    refresh_requested_ = true;
  }
  wake_.notify_all();
}

void StudyPanel::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_ || refresh_requested_; });
    if (stopping_) break;
    refresh_requested_ = false;
    std::string selected = selected_;
    lock.unlock();
    std::vector<std::string> names = study_names(database_);
    if (selected.empty() && !names.empty()) selected = names.front();
    std::shared_ptr<const StudyView> view =
        selected.empty() ? nullptr : std::make_shared<const StudyView>(build_study_view(database_, selected));
    lock.lock();
    studies_ = std::move(names);
    if (selected_.empty()) selected_ = selected;
    if (selected == selected_) view_ = std::move(view);
  }
}

void StudyPanel::start_quick_study() {
  try {
    const std::string log = database_ + ".studies/quick-start.log";
    runs::spawn_detached({executable_, "study", "--db", database_, "--preset", "quick"}, log);
    message_ = "started the quick study in the background (log " + log + ")";
  } catch (const std::exception& error) {
    message_ = std::string("could not start the study: ") + error.what();
  }
  refresh_now();
}

void StudyPanel::write_report(const std::string& name) {
  try {
    const std::string directory = study::study_directory(database_, name);
    store::RunStore store(database_, store::RunStore::Mode::read_only);
    auto results = study::collect_results(study::load_study_state(directory), store);
    message_ = "wrote " + study::write_study_report(results, directory, database_);
  } catch (const std::exception& error) {
    message_ = std::string("could not write the report: ") + error.what();
  }
  refresh_now();
}

void StudyPanel::draw() {
  std::vector<std::string> names = studies();
  std::shared_ptr<const StudyView> current = view();
  ImGui::BeginChild("study_list", ImVec2(220, 0), true);
  ImGui::TextDisabled("Studies");
  for (const auto& name : names)
    if (ImGui::Selectable(name.c_str(), current && current->name == name)) select(name);
  if (names.empty()) ImGui::TextWrapped("No study in this database yet.");
  ImGui::Separator();
  ImGui::BeginDisabled(executable_.empty());
  if (ImGui::Button("Start quick study")) start_quick_study();
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("multipos study --preset quick: 5 objectives x 2 regimes x 3 noise rates x 2 seeds on the\n"
                      "built-in synthetic data, trained in the background; run it again to continue.");
  ImGui::BeginDisabled(!current);
  if (ImGui::Button("Write report") && current) write_report(current->name);
  ImGui::EndDisabled();
  if (!message_.empty()) ImGui::TextWrapped("%s", message_.c_str());
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("study_view", ImVec2(0, 0), false);
  if (current) draw_study(*current);
  else
    ImGui::TextWrapped("A study trains every objective over label regimes, false-positive rates and seeds and "
                       "reports which one holds up. Start one here or with `multipos study --db %s`.",
                       database_.c_str());
  ImGui::EndChild();
}

void StudyPanel::draw_study(const StudyView& view) {
  ImGui::Text("Study %s", view.name.c_str());
  const int total = view.finished + view.unfinished + view.failed;
  ImGui::SameLine();
  ImGui::ProgressBar(total ? static_cast<float>(view.finished) / static_cast<float>(total) : 0.0f, ImVec2(240, 0),
                     (std::to_string(view.finished) + " / " + std::to_string(total) + " runs").c_str());
  if (view.failed > 0) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.95f, 0.45f, 0.4f, 1), "%d failed", view.failed);
  }
  ImGui::TextDisabled("%s", view.report_exists ? ("report: " + view.report_path).c_str() : "no report written yet");
  if (!view.error.empty()) {
    ImGui::TextColored(ImVec4(0.95f, 0.45f, 0.4f, 1), "%s", view.error.c_str());
    return;
  }
  // The summary scrolls in at most a third of the tab so the plots below stay in view.
  if (ImGui::CollapsingHeader("Summary", ImGuiTreeNodeFlags_DefaultOpen) && !view.summary.empty()) {
    const float wanted = (static_cast<float>(view.summary.size()) * 1.5f + 0.5f) * ImGui::GetTextLineHeightWithSpacing();
    ImGui::BeginChild("study_summary", ImVec2(0, std::min(wanted, ImGui::GetContentRegionAvail().y * 0.33f)), false);
    for (const auto& sentence : view.summary) {
      ImGui::Bullet();
      ImGui::TextWrapped("%s", without_emphasis(sentence).c_str());
    }
    ImGui::EndChild();
  }
  // Two plots per row, tall enough to read the lines; one legend per regime above them.
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float plot_height = 230;
  std::size_t plot_index = 0;
  for (const auto& regime : view.regimes) {
    auto it = view.panels.find(regime);
    if (it == view.panels.end()) continue;
    ImGui::Separator();
    ImGui::Text("Regime %s", regime.c_str());
    if (!it->second.empty()) draw_shared_legend(it->second.front().second);
    const float width = (ImGui::GetContentRegionAvail().x - spacing) / 2;
    for (std::size_t p = 0; p < it->second.size(); ++p, ++plot_index) {
      const auto& [title, curves] = it->second[p];
      if (plots_.size() <= plot_index) plots_.emplace_back();
      std::vector<plot::PlotSeries> series;
      for (std::size_t c = 0; c < curves.size(); ++c) {
        const StudyCurve& curve = curves[c];
        if (curve.xs.empty()) continue;
        plot::PlotSeries s;
        s.label = curve.label;
        s.xs = curve.xs.data();
        s.ys = curve.mean.data();
        s.count = curve.xs.size();
        s.color = curve_color(curve, curve.reference ? 0.6f : 1.0f);
        s.thickness = curve.reference ? 1.0f : 2.0f;
        s.in_legend = false;  // the shared legend above names them
        s.band_lo = curve.low.data();
        s.band_hi = curve.high.data();
        s.band_color = curve_color(curve, 0.18f);
        s.version = static_cast<uint64_t>(view.finished);
        series.push_back(s);
      }
      if (p % 2 == 1) ImGui::SameLine(0, spacing);
      ImGui::BeginGroup();
      ImGui::TextUnformatted(title.c_str());
      plots_[plot_index].set_axis_labels("false-positive rate", "");
      plots_[plot_index].draw(("##study_plot" + std::to_string(plot_index)).c_str(), series, ImVec2(width, plot_height),
                              "No finished runs yet");
      ImGui::EndGroup();
    }
  }
}

}  // namespace multipos::ui
