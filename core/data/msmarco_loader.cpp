#include "core/data/msmarco_loader.hpp"

#include <algorithm>
#include <filesystem>

#include "core/data/record_readers.hpp"

namespace multipos::data {

namespace {

std::string folder_name(const std::string& directory) {
  std::filesystem::path path(directory);
  std::string name = path.filename().string();
  return name.empty() ? path.parent_path().filename().string() : name;
}

}  // namespace

Dataset load_msmarco(const std::string& directory, const MsMarcoOptions& options, LoadReport* report) {
  LoadReport local;
  LoadReport& counts = report ? *report : local;
  Dataset dataset;
  dataset.name = "msmarco:" + folder_name(directory);
  dataset.label_sources = {"human"};
  records::Sink sink{dataset, counts, {options.lenient}};
  records::IdTable passages, queries;
  records::read_tsv_passages(directory + "/collection.tsv", sink, passages);

  // Every split's queries first (qrels may only name queries of their own split's file).
  struct SplitFiles {
    int split;
    std::string qrels;
    std::size_t first_query, end_query;
  };
  std::vector<SplitFiles> present;
  for (int split = 0; split < 3; ++split) {
    const std::string name = records::split_name(split);
    const std::string queries_file = directory + "/queries." + name + ".tsv";
    const std::string qrels_file = directory + "/qrels." + name + ".tsv";
    const bool required = std::count(options.require_splits.begin(), options.require_splits.end(), name) > 0;
    const bool has_queries = std::filesystem::exists(queries_file), has_qrels = std::filesystem::exists(qrels_file);
    if (required && !has_qrels)
      throw DataError(qrels_file, 0, "split", "split '" + name + "' was asked for but its qrels file does not exist");
    if (has_qrels && !has_queries)
      throw DataError(queries_file, 0, "split", "qrels." + name + ".tsv exists but its queries file does not");
    if (!has_queries) continue;
    const std::size_t first = dataset.num_queries();
    records::read_queries(queries_file, true, sink, queries);
    if (has_qrels) present.push_back({split, qrels_file, first, dataset.num_queries()});
  }
  if (present.empty()) throw DataError(directory, 0, "split", "no qrels file (qrels.train.tsv, qrels.dev.tsv or qrels.test.tsv)");

  records::Judgments judgments(dataset);
  std::string splits;
  for (const auto& files : present) {
    records::read_trec_qrels(files.qrels, sink, queries, passages, [&](const records::QrelsEntry& entry, const jsonl::Where& where) {
      const auto q = static_cast<std::size_t>(entry.query);
      if (q < files.first_query || q >= files.end_query)
        where.fail("qid", "query '" + dataset.query_ids[q] + "' is defined in " + queries.file_of(entry.query) + ", not in queries." +
                              records::split_name(files.split) + ".tsv");
      judgments.add(files.split, entry, where);
    });
    splits += (splits.empty() ? "" : ", ") + std::string(records::split_name(files.split));
  }
  judgments.finish();
  dataset.notes.push_back("MS MARCO splits read: " + splits + "; " + std::to_string(judgments.non_positive()) +
                          " judgments with rel <= 0 are not positives");
  if (counts.skipped > 0) dataset.notes.push_back("lenient load: " + counts.summary());
  return dataset;
}

}  // namespace multipos::data
