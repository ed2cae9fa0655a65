// libFuzzer target: Tevatron JSON Lines (train.jsonl, optional dev.jsonl after "=== dev.jsonl"),
// loaded strictly and leniently by data::load_tevatron.
#include "core/data/tevatron_loader.hpp"
#include "tests/fuzz/dataset_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("tevatron");
  const auto& dir = scratch.fresh();
  const auto sections = fuzz::split_sections(fuzz::as_text(data, size), {"train.jsonl", "dev.jsonl"});
  fuzz::write_sections(dir, sections);
  for (bool lenient : {false, true}) {
    fuzz::expect_only<data::DataError>("tevatron", dir.string(), [&] {
      data::TevatronOptions options;
      options.lenient = lenient;
      if (sections.count("dev.jsonl")) options.dev_file = (dir / "dev.jsonl").string();
      data::LoadReport report;
      fuzz::check_dataset("tevatron", data::load_tevatron((dir / "train.jsonl").string(), options, &report));
    });
  }
  return 0;
}
