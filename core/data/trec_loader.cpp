#include "core/data/trec_loader.hpp"

#include <filesystem>
#include <stdexcept>

#include "core/data/record_readers.hpp"

namespace multipos::data {

Dataset load_trec(const TrecFiles& files, const TrecOptions& options, LoadReport* report) {
  const int split = options.split == "dev" ? 1 : options.split == "test" ? 2 : -1;
  if (split < 0) throw std::invalid_argument("trec dataset: split must be dev or test, not '" + options.split + "'");
  LoadReport local;
  LoadReport& counts = report ? *report : local;
  Dataset dataset;
  dataset.name = "trec:" + std::filesystem::path(files.qrels).stem().string();
  dataset.label_sources = {"human"};
  records::Sink sink{dataset, counts, {options.lenient}};
  records::IdTable passages, queries;
  records::read_jsonl_passages(files.corpus, sink, passages);
  records::read_queries(files.queries, !records::looks_like_jsonl(files.queries), sink, queries);
  if (dataset.num_queries() == 0) throw DataError(files.queries, 0, "file", "no queries");

  records::Judgments judgments(dataset);
  records::read_trec_qrels(files.qrels, sink, queries, passages,
                           [&](const records::QrelsEntry& entry, const jsonl::Where& where) { judgments.add(split, entry, where); });
  judgments.finish();
  if (dataset.split(options.split).empty()) throw DataError(files.qrels, 0, "file", "no judgments");
  dataset.notes.push_back("TREC qrels for evaluation only: " + std::to_string(dataset.split(options.split).size()) +
                          " judged queries in split '" + options.split + "', none in train; " +
                          std::to_string(judgments.non_positive()) + " judgments with rel <= 0 are not positives");
  if (counts.skipped > 0) dataset.notes.push_back("lenient load: " + counts.summary());
  return dataset;
}

}  // namespace multipos::data
