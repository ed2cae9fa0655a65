// libFuzzer target: a study's state file (<db>.studies/NAME/study.json) read by
// study::load_study_state, then what `multipos study` does with it before it creates a run: plan
// every cell and validate each planned run's config and each baseline's config.
#include "core/study/study_spec.hpp"
#include "core/train/train_config.hpp"
#include "core/util/config_reader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("study_json");
  const auto& dir = scratch.fresh();
  fuzz::write_file(dir / "study.json", fuzz::as_text(data, size));
  study::StudyState state;
  if (!fuzz::expect_only<util::ConfigError>("study_json", (dir / "study.json").string(),
                                            [&] { state = study::load_study_state(dir.string()); }))
    return 0;
  if (!study::differing_fields(state.spec, state.spec).empty())
    fuzz::violation("study_json", "a spec differs from itself");
  const std::string source = "study " + state.spec.name;
  fuzz::expect_only<util::ConfigError>("study_json", source, [&] {
    for (const auto& planned : study::plan_study(state.spec))
      train::train_config_from_json(planned.config, source + " (" + planned.cell.key() + ")");
    for (uint64_t seed : state.spec.seeds)
      train::train_config_from_json(study::baseline_config(state.spec, seed), source + " (baseline)");
  });
  return 0;
}
