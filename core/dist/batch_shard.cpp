#include "core/dist/batch_shard.hpp"

#include <stdexcept>
#include <string>

namespace multipos::dist {

namespace {

std::vector<int64_t> shifted(const std::vector<int64_t>& columns, int64_t first_column, int64_t end_column, int64_t row,
                             const char* what) {
  std::vector<int64_t> result;
  result.reserve(columns.size());
  for (int64_t column : columns) {
    if (column < first_column || column >= end_column)
      throw std::invalid_argument("shard_of_batch: row " + std::to_string(row) + " has " + what + " column " +
                                  std::to_string(column) + " outside its group's columns [" +
                                  std::to_string(first_column) + ", " + std::to_string(end_column) + ")");
    result.push_back(column - first_column);
  }
  return result;
}

}  // namespace

objectives::Batch shard_of_batch(const objectives::Batch& global, int64_t first_row, int64_t rows, int64_t group_size) {
  const objectives::ScoreLayout& layout = global.layout;
  if (first_row < 0 || rows < 0 || first_row + rows > layout.rows || layout.columns != layout.rows * group_size)
    throw std::invalid_argument("shard_of_batch: rows [" + std::to_string(first_row) + ", " +
                                std::to_string(first_row + rows) + ") of a " + std::to_string(layout.rows) + " x " +
                                std::to_string(layout.columns) + " batch with group size " +
                                std::to_string(group_size));
  const int64_t first_column = first_row * group_size, end_column = (first_row + rows) * group_size;
  objectives::Batch shard;
  shard.passage_ids.assign(global.passage_ids.begin() + first_column, global.passage_ids.begin() + end_column);
  objectives::ScoreLayout& part = shard.layout;
  part.rows = rows;
  part.columns = end_column - first_column;
  part.label_source_names = layout.label_source_names;
  part.max_positives = layout.max_positives;
  part.grade_levels = layout.grade_levels;
  part.truncated_queries = layout.truncated_queries;    // batch-wide count: rows do not say which lost positives
  if (first_row == 0) part.warnings = layout.warnings;  // logged once, by the rank holding row 0
  for (int64_t row = first_row; row < first_row + rows; ++row) {
    part.query_ids.push_back(layout.query_ids[row]);
    part.positive_columns.push_back(shifted(layout.positive_columns[row], first_column, end_column, row, "a positive"));
    part.own_negative_columns.push_back(
        shifted(layout.own_negative_columns[row], first_column, end_column, row, "an own negative"));
  }
  part.column_grade.assign(layout.column_grade.begin() + first_column, layout.column_grade.begin() + end_column);
  part.column_label_source.assign(layout.column_label_source.begin() + first_column,
                                  layout.column_label_source.begin() + end_column);
  part.column_is_false_positive.assign(layout.column_is_false_positive.begin() + first_column,
                                       layout.column_is_false_positive.begin() + end_column);
  part.check();
  return shard;
}

}  // namespace multipos::dist
