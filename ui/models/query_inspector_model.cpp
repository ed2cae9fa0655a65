#include "ui/models/query_inspector_model.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace multipos::ui {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      // Compare the digit runs as numbers: skip leading zeros, then longer is larger.
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      std::size_t i0 = i, j0 = j;
      while (i0 + 1 < i_end && a[i0] == '0') ++i0;
      while (j0 + 1 < j_end && b[j0] == '0') ++j0;
      if (i_end - i0 != j_end - j0) return i_end - i0 < j_end - j0;
      const int order = a.compare(i0, i_end - i0, b, j0, j_end - j0);
      if (order != 0) return order < 0;
      i = i_end;
      j = j_end;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  if ((a.size() - i) != (b.size() - j)) return a.size() - i < b.size() - j;
  return a < b;  // equal up to leading zeros: any strict, consistent order
}

std::vector<std::string> merge_query_ids(const std::vector<const std::vector<std::string>*>& lists) {
  std::set<std::string> all;
  for (const auto* list : lists) {
    if (list) all.insert(list->begin(), list->end());
  }
  std::vector<std::string> ids(all.begin(), all.end());
  std::sort(ids.begin(), ids.end(), natural_less);
  return ids;
}

std::vector<int64_t> merge_steps(const std::vector<const std::vector<int64_t>*>& lists) {
  std::set<int64_t> all;
  for (const auto* list : lists) {
    if (list) all.insert(list->begin(), list->end());
  }
  return {all.begin(), all.end()};
}

int64_t step_at_or_before(const std::vector<int64_t>& steps, int64_t step) {
  const auto after = std::upper_bound(steps.begin(), steps.end(), step);
  return after == steps.begin() ? -1 : *(after - 1);
}

std::vector<std::string> filter_ids(const std::vector<std::string>& ids, const std::string& filter) {
  std::vector<std::string> words;
  std::istringstream stream(lower(filter));
  for (std::string word; stream >> word;) words.push_back(word);
  if (words.empty()) return ids;
  std::vector<std::string> kept;
  for (const auto& id : ids) {
    const std::string text = lower(id);
    const bool all = std::all_of(words.begin(), words.end(),
                                 [&](const std::string& w) { return text.find(w) != std::string::npos; });
    if (all) kept.push_back(id);
  }
  return kept;
}

InspectorTable build_inspector_table(const std::vector<const std::vector<store::ProbeRow>*>& per_run) {
  InspectorTable table;
  table.totals.resize(per_run.size());
  std::map<std::string, std::size_t> row_of;  // passage id -> index in table.rows
  for (std::size_t run = 0; run < per_run.size(); ++run) {
    if (!per_run[run]) continue;
    InspectorTotals& totals = table.totals[run];
    double total_abs = 0, positive_abs = 0;
    for (const store::ProbeRow& probe : *per_run[run]) {
      auto [where, inserted] = row_of.emplace(probe.passage_id, table.rows.size());
      if (inserted) {
        InspectorRow row;
        row.passage_id = probe.passage_id;
        row.is_positive = probe.is_positive;
        row.grade = probe.grade;
        row.label_source = probe.label_source;
        row.is_false_positive = probe.is_false_positive;
        row.cells.resize(per_run.size());
        table.rows.push_back(std::move(row));
      }
      InspectorCell& cell = table.rows[where->second].cells[run];
      cell = {true, probe.score, probe.probability, probe.gradient, probe.positive_rank};
      totals.present = true;
      total_abs += std::fabs(probe.gradient);
      if (probe.is_positive) {
        totals.positive_mass += probe.probability;
        positive_abs += std::fabs(probe.gradient);
        ++totals.positives;
        if (probe.gradient > 0) ++totals.pushed_down;
      }
    }
    totals.positive_grad_share = total_abs > 0 ? positive_abs / total_abs : 0.0;
  }
  std::sort(table.rows.begin(), table.rows.end(), [](const InspectorRow& a, const InspectorRow& b) {
    if (a.is_positive != b.is_positive) return a.is_positive;
    if (a.is_positive && a.grade != b.grade) return a.grade > b.grade;
    return natural_less(a.passage_id, b.passage_id);
  });
  for (const auto& row : table.rows)
    if (row.is_positive && std::find(table.grades.begin(), table.grades.end(), row.grade) == table.grades.end())
      table.grades.push_back(row.grade);
  std::sort(table.grades.begin(), table.grades.end(), std::greater<double>());
  return table;
}

int InspectorTable::grade_level(double grade) const {
  if (grades.size() < 2) return -1;
  const auto found = std::find(grades.begin(), grades.end(), grade);
  return found == grades.end() ? -1 : static_cast<int>(found - grades.begin());
}

}  // namespace multipos::ui
