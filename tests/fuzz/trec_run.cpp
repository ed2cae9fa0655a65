// libFuzzer target: TREC run files ("qid Q0 docid rank score tag") read strictly and leniently by
// eval::read_trec_run, then each query's documents sorted into trec_eval's order.
#include "core/eval/trec_io.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("trec_run");
  scratch.fresh();
  const std::string path = scratch.file("run.txt");
  fuzz::write_file(path, fuzz::as_text(data, size));
  for (bool lenient : {false, true}) {
    fuzz::expect_only<eval::ParseError>("trec_run", path, [&] {
      eval::ReadOptions options;
      options.lenient = lenient;
      eval::ReadReport report;
      eval::Run run = eval::read_trec_run(path, options, &report);
      // What `multipos eval --run-file` does next: trec_eval's order needs a strict weak ordering
      // (a NaN score would break std::sort).
      for (auto& [query, entries] : run) eval::sort_trec_order(entries);
    });
  }
  return 0;
}
