// libFuzzer target: an MS MARCO folder (collection.tsv, queries.<split>.tsv, qrels.<split>.tsv) cut
// from one input by "=== NAME" lines, loaded strictly and leniently by data::load_msmarco.
#include "core/data/msmarco_loader.hpp"
#include "tests/fuzz/dataset_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("msmarco");
  const auto& dir = scratch.fresh();
  fuzz::write_sections(
      dir, fuzz::split_sections(fuzz::as_text(data, size),
                                {"collection.tsv", "queries.train.tsv", "qrels.train.tsv", "queries.dev.tsv",
                                 "qrels.dev.tsv", "queries.test.tsv", "qrels.test.tsv"}));
  for (bool lenient : {false, true}) {
    fuzz::expect_only<data::DataError>("msmarco", dir.string(), [&] {
      data::MsMarcoOptions options;
      options.lenient = lenient;
      data::LoadReport report;
      fuzz::check_dataset("msmarco", data::load_msmarco(dir.string(), options, &report));
    });
  }
  return 0;
}
