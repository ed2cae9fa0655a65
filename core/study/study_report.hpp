// Writes a study's report folder: report.md (summary computed from the numbers, metric tables per
// regime with seed means and ranges, paired significance against Rand1LH and InfoNCE, the
// allocation table) and figures/*.png drawn by study_figures. Torch-free.
#pragma once

#include <string>

#include "core/study/study_results.hpp"

namespace multipos::study {

// Returns the Markdown text of the report (figure links relative to the study directory).
std::string report_markdown(const StudyResults& results, const std::string& database);

// Writes <directory>/report.md and <directory>/figures/{metrics,allocation}-<regime>.png; returns
// the report's path. Files are written to temporaries and renamed, so a reader never sees half.
std::string write_study_report(const StudyResults& results, const std::string& directory, const std::string& database);

}  // namespace multipos::study
