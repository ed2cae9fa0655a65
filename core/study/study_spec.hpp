// What a study is: a base run config and the grid it varies (label regime x noise rate x seed x
// objective), planned into one run per cell with its baselines, and the state file that remembers
// which stored run is which cell so a study started again reuses what already finished.
// Torch-free: the studio reads studies too.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace multipos::study {

struct StudySpec {
  std::string name;
  nlohmann::json base_config = nlohmann::json::object();  // the run config every planned run starts from
  std::vector<std::string> objectives;
  std::vector<std::string> regimes;   // label regimes (core/data/label_regime.hpp names)
  std::vector<double> noise_rates;    // false-positive shares injected into the train split
  std::vector<uint64_t> seeds;
  std::string split = "test";         // the split every run and baseline is scored on
  // batch.positive_sampling schemes to compare (issue #24); empty: not varied (the base config's).
  std::vector<std::string> positive_samplings;
};

// The study's tables: one per regime, or per (regime, positive sampling scheme) when the study
// varies the scheme, spelled "<regime>@<scheme>" ("mixed@rotate"). StudyCell::regime holds one.
std::vector<std::string> study_sections(const StudySpec& spec);
// "mixed@rotate" -> regime "mixed", scheme "rotate"; "mixed" -> "mixed", "".
std::pair<std::string, std::string> split_section(const std::string& section);
// "mixed" or "mixed, positive_sampling rotate", for headings and captions.
std::string describe_section(const std::string& section);

nlohmann::json to_json(const StudySpec& spec);
// Throws util::ConfigError naming `source` and the field at fault.
StudySpec study_spec_from_json(const nlohmann::json& json, const std::string& source);
// Dotted names of the fields that differ ("noise_rates", "base_config.steps", ...); empty if equal.
std::vector<std::string> differing_fields(const StudySpec& a, const StudySpec& b);

struct StudyCell {
  std::string regime;  // a section of study_sections(): the regime, "@scheme" when varied
  double noise_rate = 0;
  uint64_t seed = 1;
  std::string objective;
  // "llm_dense/noise=0.2/seed=1/lsepair": stable across runs of the planner, used as the state key.
  std::string key() const;
};

struct PlannedRun {
  StudyCell cell;
  nlohmann::json config;  // a complete run config for `multipos train`
  std::string group_id;   // the runs of one (regime, noise, seed) share it
};

// One run per cell, regimes outermost and objectives innermost, so the queue finishes whole
// comparisons (every objective of a cell) before it moves on.
std::vector<PlannedRun> plan_study(const StudySpec& spec);

// The config baselines are built from for `seed`: the base config scored on the study's split.
// Regime and noise change only the train split, so one BM25 run serves the whole study and one
// untrained encoder per seed (its initialisation depends on the seed only).
nlohmann::json baseline_config(const StudySpec& spec, uint64_t seed);

std::string format_rate(double rate);  // 0.2 -> "0.2", 0 -> "0"

struct StudyState {
  StudySpec spec;
  std::map<std::string, int64_t> runs;       // StudyCell::key() -> run id
  int64_t bm25_run = 0;                       // 0 until recorded
  std::map<uint64_t, int64_t> untrained_runs; // seed -> run id
};

// "<db>.studies/<name>": study.json (the state), report.md and figures/ live there.
std::string study_directory(const std::string& database, const std::string& name);
std::string study_state_path(const std::string& directory);

// Reads <directory>/study.json; throws util::ConfigError naming the file and field.
StudyState load_study_state(const std::string& directory);
// Writes <directory>/study.json atomically (temporary file + rename).
void save_study_state(const StudyState& state, const std::string& directory);
// Names of the studies under "<db>.studies/" that have a study.json, sorted.
std::vector<std::string> list_studies(const std::string& database);

}  // namespace multipos::study
