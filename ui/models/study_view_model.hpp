// What the Study tab shows of one study, computed from its state file and the run store by the
// torch-free study library: progress, the generated summary, and per regime the seed-mean curves
// (with min-max bands) of each metric and of the mass on false positives against noise rate.
// Built off the UI thread; plain data, so tests check it headless.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace multipos::ui {

struct StudyCurve {
  std::string label;      // objective label, "BM25", "untrained"
  std::string objective;  // objective name (colour key)
  std::vector<double> xs, mean, low, high;  // over the sorted noise rates that have a value
  bool reference = false;  // a flat baseline line
};

struct StudyView {
  std::string name, directory, report_path, error;
  bool report_exists = false;
  int finished = 0, unfinished = 0, failed = 0;
  std::vector<std::string> regimes, summary;
  // regime -> panel title ("nDCG@10", ..., "Mass on false positives") -> curves
  std::map<std::string, std::vector<std::pair<std::string, std::vector<StudyCurve>>>> panels;
};

// The studies of a database ("<db>.studies/*/study.json"), sorted by name.
std::vector<std::string> study_names(const std::string& database);

// Never throws: a broken study file or store yields a view whose `error` says why.
StudyView build_study_view(const std::string& database, const std::string& name);

}  // namespace multipos::ui
