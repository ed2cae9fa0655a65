#include <cstdio>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "core/eval/metrics.hpp"
#include "core/eval/trec_io.hpp"
#include "core/store/run_store.hpp"
#include "core/train/evaluation.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos eval --db FILE --run ID [--split test|dev]\n"
    "  Re-evaluates a stored run from its final checkpoint and stores the metrics in the run store.\n"
    "       multipos eval --qrels FILE --run-file FILE [--measures ndcg_cut_10,recall_100,...]\n"
    "                     [--threshold N] [--all-queries] [--per-query] [--lenient]\n"
    "  Scores a TREC run file against TREC qrels (4 columns) or BEIR qrels (.tsv), as trec_eval does.\n"
    "  --threshold N   trec_eval -l: relevant when grade >= N (binary measures; default 1)\n"
    "  --all-queries   trec_eval -c: average over every judged query (missing ones score 0)\n";

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void print_skips(const char* what, const eval::ReadReport& report) {
  if (report.skipped == 0) return;
  std::fprintf(stderr, "multipos eval: skipped %zu malformed line(s) of the %s\n", static_cast<size_t>(report.skipped), what);
}

void print_evaluation(const eval::Evaluation& result, bool per_query) {
  // trec_eval's layout: measure, query (or "all"), value.
  if (per_query)
    for (const auto& query : result.per_query)
      for (size_t m = 0; m < result.measures.size(); ++m)
        std::printf("%-22s\t%s\t%.4f\n", result.measures[m].name().c_str(), query.query_id.c_str(), query.values[m]);
  std::printf("%-22s\tall\t%zu\n", "num_q", result.per_query.size());
  for (size_t m = 0; m < result.measures.size(); ++m)
    std::printf("%-22s\tall\t%.4f\n", result.measures[m].name().c_str(), result.mean[m]);
}

}  // namespace

int eval_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"qrels", "run-file", "measures", "threshold", "db", "run", "split"},
              {"all-queries", "per-query", "lenient", "help"});
  if (cli.get("run")) {
    store::RunStore store(cli.get_or("db", default_database_path()));
    std::string split = cli.get_or("split", "test");
    if (split != "test" && split != "dev" && split != "train") throw UsageError("--split takes test, dev or train");
    print_evaluation(train::evaluate_stored_run(store, cli.integer("run", 0), split), cli.has("per-query"));
    return 0;
  }
  if (cli.has("help") || !cli.get("qrels") || !cli.get("run-file")) {
    std::fputs(kUsage, cli.has("help") ? stdout : stderr);
    return cli.has("help") ? 0 : 2;
  }
  eval::ReadOptions read;
  read.lenient = cli.has("lenient");
  eval::ReadReport qrels_report, run_report;
  const std::string qrels_path = *cli.get("qrels");
  eval::Qrels qrels = ends_with(qrels_path, ".tsv") ? eval::read_beir_qrels(qrels_path, read, &qrels_report)
                                                    : eval::read_trec_qrels(qrels_path, read, &qrels_report);
  eval::Run run = eval::read_trec_run(*cli.get("run-file"), read, &run_report);
  print_skips("qrels", qrels_report);
  print_skips("run file", run_report);

  auto measures = eval::parse_measures(
      split_list(cli.get_or("measures", "ndcg_cut_10,ndcg_cut_100,recall_100,P_10,recip_rank,map")));
  eval::EvalOptions options;
  options.relevance_threshold = static_cast<int>(cli.integer("threshold", 1));
  options.average_over_all_judged_queries = cli.has("all-queries");
  eval::Evaluation result = eval::evaluate(qrels, run, measures, options);

  print_evaluation(result, cli.has("per-query"));
  return 0;
}

}  // namespace multipos::app
