// libFuzzer target: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) cut from one
// input by "=== NAME" lines, loaded strictly and leniently by data::load_beir.
#include "core/data/beir_loader.hpp"
#include "tests/fuzz/dataset_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("beir");
  const auto& dir = scratch.fresh();
  fuzz::write_sections(
      dir, fuzz::split_sections(fuzz::as_text(data, size), {"corpus.jsonl", "queries.jsonl", "qrels/train.tsv",
                                                            "qrels/dev.tsv", "qrels/test.tsv"}));
  for (bool lenient : {false, true}) {
    fuzz::expect_only<data::DataError>("beir", dir.string(), [&] {
      data::BeirOptions options;
      options.lenient = lenient;
      data::LoadReport report;
      fuzz::check_dataset("beir", data::load_beir(dir.string(), options, &report));
    });
  }
  return 0;
}
