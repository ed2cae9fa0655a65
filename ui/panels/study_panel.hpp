// The Study tab: the studies of the open database with their progress, generated summary and
// curves (metrics and mass on false positives against noise rate, per label regime, seed mean
// with a min-max band, BM25 and the untrained encoder as references), plus buttons to start the
// built-in quick study in the background and to write a study's report. Views are rebuilt on a
// worker thread every two seconds; the UI thread only swaps in the latest one.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ui/plot/line_plot.hpp"
#include "ui/models/study_view_model.hpp"

namespace multipos::ui {

class StudyPanel {
 public:
  // `executable` is the multipos binary started for `study --detach` ("" disables starting).
  StudyPanel(std::string database, std::string executable);
  ~StudyPanel();
  StudyPanel(const StudyPanel&) = delete;
  StudyPanel& operator=(const StudyPanel&) = delete;

  void draw();  // UI thread
  // The latest view (null before the first load); for tests.
  std::shared_ptr<const StudyView> view() const;
  std::vector<std::string> studies() const;
  void select(const std::string& name);
  void refresh_now();

 private:
  void worker_loop();
  void draw_study(const StudyView& view);
  void start_quick_study();
  void write_report(const std::string& name);

  std::string database_, executable_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, refresh_requested_ = true;
  std::string selected_;
  std::vector<std::string> studies_;
  std::shared_ptr<const StudyView> view_;
  std::string message_;  // last action's outcome, shown under the buttons
  std::vector<plot::LinePlot> plots_;
  std::thread worker_;
};

}  // namespace multipos::ui
