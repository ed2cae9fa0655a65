// libFuzzer target: an arbitrary file opened as a run store (`multipos runs --db FILE`, the
// studio's --db): store::RunStore read-only and then read-write (which migrates), with the reads
// the studio and `runs` make (the Dataset tab's stored statistics included). Refusing the file
// with a StoreError that names it is fine (std::invalid_argument for statistics that do not
// parse); crashing, or any other exception, is not.
#include <stdexcept>

#include "core/store/dataset_record.hpp"
#include "core/store/run_store.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

namespace {

void read_everything(const store::RunStore& runs) {
  runs.schema_version();
  runs.queue_order();
  runs.orphan_rows();
  runs.scalars_after(0, 0, 1000);
  runs.events_after(0);
  for (const auto& run : runs.list_runs()) {
    runs.find_run(run.id);
    runs.series_names(run.id);
    runs.evaluations(run.id);
    for (int64_t step : runs.probe_steps(run.id)) runs.probe_rows(run.id, step);
    for (int64_t step : runs.retrieved_steps(run.id)) runs.retrieved(run.id, step, "");
    // The studio's Dataset tab: stored statistics that do not parse are refused with a message.
    const store::RunDatasetRecord record = runs.dataset_record(run.id);
    if (!record.stats_json.empty()) {
      try {
        store::stats_from_json(nlohmann::json::parse(record.stats_json, nullptr, false), runs.path());
      } catch (const std::invalid_argument&) {
        // refused with a message: what the studio shows in the tab
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("run_store");
  scratch.fresh();
  const std::string path = scratch.file("runs.sqlite");
  fuzz::write_file(path, fuzz::as_text(data, size));
  fuzz::expect_only<store::StoreError>("run_store", path, [&] {
    store::RunStore runs(path, store::RunStore::Mode::read_only);
    read_everything(runs);
  });
  fuzz::expect_only<store::StoreError>("run_store", path, [&] {
    store::RunStore runs(path);
    read_everything(runs);
    runs.integrity_check();
    runs.delete_orphan_rows();
  });
  return 0;
}
