// Running a study's grid through the run service: validating every planned config, queueing
// (or reusing, or resuming) one run per cell, recording the baselines, and scheduling until no run
// of the study is left queued or running. The `study` command and its detached form drive it.
// Links LibTorch (the baselines encode and score); the studio only reads studies (study_results).
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "core/runs/run_service.hpp"
#include "core/study/study_spec.hpp"

namespace multipos::study {

// A study that cannot start: another grid under the same name, or a planned config that does
// not validate. The message names the study, its folder and the field at fault.
class StudyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Say = std::function<void(const std::string&)>;

// Every planned config and baseline config must parse before anything is created, and the
// dataset must load. Throws util::ConfigError / the dataset's error naming the field at fault.
void validate_study(const StudySpec& spec);

// The study's saved state in `directory`, or a fresh one; throws StudyError when a study of this
// name exists there with another grid (listing the differing fields).
StudyState open_study_state(const StudySpec& spec, const std::string& directory);

// Creates, keeps or resumes the run of each planned cell (finished, queued and running runs are
// kept; stopped or failed ones resume from their checkpoint, or start afresh when they cannot);
// saves the state after each run it creates. Returns how many runs were (re)queued.
int queue_study_runs(const StudySpec& spec, StudyState& state, runs::RunService& service,
                     const std::string& directory, const Say& say);

// Scores the BM25 baseline and one untrained encoder per seed unless finished already.
void record_study_baselines(const StudySpec& spec, StudyState& state, store::RunStore& store,
                            const std::string& directory, const Say& say);

struct StudyProgress {
  int finished = 0, active = 0, failed = 0, total = 0;  // active: queued or running
};
StudyProgress study_progress(const StudyState& state, const store::RunStore& store);

// Schedules until no run of the study is queued or running and every worker started here was
// reaped (true), or until SIGINT/SIGTERM (false; running workers carry on). Says the progress
// whenever the number of finished runs changes, and every failure.
bool schedule_study(runs::RunService& service, const StudyState& state, const Say& say);

}  // namespace multipos::study
