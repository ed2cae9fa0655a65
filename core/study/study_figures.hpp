// The figures of a study report, drawn on a FigureCanvas: metrics against noise rate per
// objective (seed mean, min-max band over seeds, BM25 and the untrained encoder as reference
// lines), and where each objective puts probability mass and gradient at the end of training.
#pragma once

#include <cstddef>
#include <string>

#include "core/study/figure_canvas.hpp"
#include "core/study/study_results.hpp"

namespace multipos::study {

// nDCG@10, Recall@100 and MRR@10 against noise rate for one label regime, one panel each.
FigureCanvas metric_figure(const StudyResults& results, const std::string& regime);

// For one regime: probability mass and gradient share on false positives against noise rate,
// and the full split (true positives / false positives / negatives) at the highest noise rate;
// when the probe rows hold several relevance grades, a third row splits the positives' mass and
// gradient share by grade (issue #24).
FigureCanvas allocation_figure(const StudyResults& results, const std::string& regime);

// The colour the report (and the studio) uses for an objective.
Color objective_color(const std::string& objective);
// The colour of the rank-th highest of `grades` relevance grades (darkest first).
Color grade_color(size_t rank, size_t grades);

}  // namespace multipos::study
