#include "core/eval/trec_run.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

namespace multipos::eval {

void sort_trec_order(std::vector<RunEntry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const RunEntry& a, const RunEntry& b) {
    return ranks_before(a.score, a.doc_id, b.score, b.doc_id);
  });
}

void check_no_duplicate_docs(const std::string& query_id, const std::vector<RunEntry>& entries) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(entries.size());
  for (const RunEntry& entry : entries) {
    if (!seen.insert(entry.doc_id).second) {
      throw std::invalid_argument("run: query '" + query_id + "': document '" + entry.doc_id +
                                  "' appears more than once");
    }
  }
}

}  // namespace multipos::eval
