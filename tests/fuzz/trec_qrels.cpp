// libFuzzer target: TREC qrels ("qid iter docid rel") read by eval::read_trec_qrels, the same text
// read as BEIR qrels TSV by eval::read_beir_qrels, and, with "=== corpus.jsonl" and
// "=== queries.tsv" sections, the evaluation-only dataset of data::load_trec.
#include "core/data/trec_loader.hpp"
#include "core/eval/trec_io.hpp"
#include "tests/fuzz/dataset_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace multipos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::Scratch scratch("trec_qrels");
  const auto& dir = scratch.fresh();
  const auto sections = fuzz::split_sections(fuzz::as_text(data, size), {"qrels.txt", "corpus.jsonl", "queries.tsv"});
  fuzz::write_sections(dir, sections);
  const std::string qrels = (dir / "qrels.txt").string();
  for (bool lenient : {false, true}) {
    eval::ReadOptions options;
    options.lenient = lenient;
    fuzz::expect_only<eval::ParseError>("trec_qrels", qrels, [&] {
      eval::ReadReport report;
      eval::read_trec_qrels(qrels, options, &report);
    });
    fuzz::expect_only<eval::ParseError>("trec_qrels", qrels, [&] {
      eval::ReadReport report;
      eval::read_beir_qrels(qrels, options, &report);
    });
    if (!sections.count("corpus.jsonl") || !sections.count("queries.tsv")) continue;
    fuzz::expect_only<data::DataError>("trec_qrels", dir.string(), [&] {
      data::TrecOptions trec;
      trec.lenient = lenient;
      data::LoadReport report;
      const data::TrecFiles files{(dir / "corpus.jsonl").string(), (dir / "queries.tsv").string(), qrels};
      fuzz::check_dataset("trec_qrels", data::load_trec(files, trec, &report));
    });
  }
  return 0;
}
