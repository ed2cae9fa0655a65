#include "ui/models/run_table_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

namespace multipos::ui {

const std::vector<std::string>& run_statuses() {
  static const std::vector<std::string> names = {"queued", "running", "finished", "failed", "stopped"};
  return names;
}

namespace {

int status_bit(const std::string& status) {
  const auto& names = run_statuses();
  const auto found = std::find(names.begin(), names.end(), status);
  return found == names.end() ? -1 : static_cast<int>(found - names.begin());
}

}  // namespace

bool StatusFilter::shows(const std::string& status) const {
  const int bit = status_bit(status);
  return bit < 0 || (hidden_ & (1u << bit)) == 0;
}

void StatusFilter::set(const std::string& status, bool shown) {
  const int bit = status_bit(status);
  if (bit < 0) return;
  if (shown) hidden_ &= ~(1u << bit);
  else hidden_ |= 1u << bit;
}

int64_t batch_queries(const std::string& config_json) {
  const nlohmann::json config = nlohmann::json::parse(config_json, nullptr, false);
  if (!config.is_object()) return 0;
  const auto batch = config.find("batch");
  if (batch == config.end() || !batch->is_object()) return 0;
  const auto queries = batch->find("queries");
  return queries != batch->end() && queries->is_number_integer() ? queries->get<int64_t>() : 0;
}

std::optional<double> estimate_eta(const store::RunRecord& run, const SeriesData* loss,
                                   const SeriesData* examples_per_s, std::size_t window) {
  if (run.status != "running" || run.total_steps <= 0) return std::nullopt;
  const double done = loss && !loss->steps.empty() ? loss->steps.back() : static_cast<double>(std::max<int64_t>(run.last_step, 0));
  const double left = std::max(0.0, static_cast<double>(run.total_steps) - done);
  if (loss && loss->steps.size() >= 2) {
    // The pace of the recent points: early steps (warm-up, data loading) say little about the rest.
    const std::size_t last = loss->steps.size() - 1;
    const std::size_t first = last - std::min(last, std::max<std::size_t>(window, 1));
    const double seconds = loss->wall_times[last] - loss->wall_times[first];
    const double steps = loss->steps[last] - loss->steps[first];
    if (seconds > 0 && steps > 0) return left * seconds / steps;
  }
  const int64_t queries = batch_queries(run.config_json);
  if (examples_per_s && !examples_per_s->values.empty() && queries > 0) {
    const double rate = examples_per_s->values.back() / static_cast<double>(queries);  // steps/s
    if (rate > 0 && std::isfinite(rate)) return left / rate;
  }
  return std::nullopt;
}

std::string format_duration(double seconds) {
  char text[48];
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  const long long s = std::llround(seconds);
  if (s < 60) std::snprintf(text, sizeof text, "%lld s", s);
  else if (s < 3600) std::snprintf(text, sizeof text, "%lld min", (s + 30) / 60);
  else if (s < 86400) std::snprintf(text, sizeof text, "%lld h %02lld min", s / 3600, (s % 3600) / 60);
  else std::snprintf(text, sizeof text, "%lld d %lld h", s / 86400, (s % 86400) / 3600);
  return text;
}

std::string seed_group_key(const store::RunRecord& run) {
  nlohmann::json config = nlohmann::json::parse(run.config_json, nullptr, false);
  if (!config.is_object()) return "";
  // The run's own seed and display name are what seed repeats may differ in; the dataset's seed
  // (nested) stays part of the key: another dataset sample is another experiment.
  config.erase("seed");
  config.erase("name");
  return config.dump();  // nlohmann's objects are key-ordered: equal configs dump equal
}

std::vector<std::vector<int64_t>> seed_groups(const std::vector<const store::RunRecord*>& runs) {
  std::map<std::string, std::vector<const store::RunRecord*>> by_key;
  std::vector<std::string> order;
  for (const auto* run : runs) {
    const std::string key = seed_group_key(*run);
    if (key.empty()) continue;
    auto& members = by_key[key];
    if (members.empty()) order.push_back(key);
    members.push_back(run);
  }
  std::vector<std::vector<int64_t>> groups;
  for (const auto& key : order) {
    const auto& members = by_key[key];
    std::vector<int64_t> seeds, ids;
    for (const auto* run : members) {
      // Two runs with the same seed are repeats, not a spread over seeds.
      if (std::find(seeds.begin(), seeds.end(), run->seed) != seeds.end()) continue;
      seeds.push_back(run->seed);
      ids.push_back(run->id);
    }
    if (ids.size() >= 2) groups.push_back(std::move(ids));
  }
  return groups;
}

}  // namespace multipos::ui
