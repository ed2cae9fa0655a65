// multipos: the studio (no subcommand, or `studio`) and the headless subcommands over one engine.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "core/data/load_report.hpp"
#include "core/runs/process.hpp"
#include "core/store/run_store.hpp"
#include "core/util/config_reader.hpp"
#ifdef MULTIPOS_WITH_UI
#include "app/studio_command.hpp"
#endif

namespace {

const char* kUsage =
    "multipos - train dense retrievers with several positives per query, and compare objectives\n"
    "\n"
    "usage: multipos [studio] [--db FILE] [--screenshot FILE.png --frames N]   open the studio\n"
    "       multipos train --config FILE.json --db FILE [--objective NAME|all]   train headless\n"
    "       multipos runs --db FILE                                              list runs\n"
    "       multipos launch --config FILE.json --db FILE --objective a,b|all [--max-concurrent N] [--wait]\n"
    "                                                          train in background workers, queued\n"
    "       multipos scheduler --db FILE [--max-concurrent N]    start queued runs, reap dead ones\n"
    "       multipos stop --db FILE --run ID [--kill]            stop a running run (or cancel a queued one)\n"
    "       multipos cancel --db FILE --run ID                   cancel a queued run\n"
    "       multipos doctor --db FILE [--repair]                 check and repair the database, reap dead runs\n"
    "       multipos resume --db FILE --run ID [--wait]          continue a stopped/failed run from its checkpoint\n"
    "       multipos queue --db FILE [--run ID --to N|--first|--last]   show or reorder the queue\n"
    "       multipos eval --qrels FILE --run-file FILE                           trec_eval-style scores\n"
    "       multipos data stats PATH|wordnet|synthetic [--json]                  dataset summary\n"
    "       multipos study --db FILE [--preset quick|wordnet] [--dataset PATH|wordnet|synthetic]\n"
    "                      [--objectives all] [--noise 0,0.2,0.4] [--regimes llm_dense,mixed] [--seeds N]\n"
    "                                                          the robustness study: grid, runs, report\n"
    "       multipos help                                                        this text\n";

int dispatch(const std::string& command, const std::vector<std::string>& rest) {
  if (command == "train") return multipos::app::train_command(rest);
  if (command == "runs") return multipos::app::runs_command(rest);
  if (command == "launch") return multipos::app::launch_command(rest);
  if (command == "scheduler") return multipos::app::scheduler_command(rest);
  if (command == "stop") return multipos::app::stop_command(rest);
  if (command == "cancel") return multipos::app::cancel_command(rest);
  if (command == "doctor") return multipos::app::doctor_command(rest);
  if (command == "resume") return multipos::app::resume_command(rest);
  if (command == "queue") return multipos::app::queue_command(rest);
  if (command == "eval") return multipos::app::eval_command(rest);
  if (command == "data") return multipos::app::data_command(rest);
  if (command == "study") return multipos::app::study_command(rest);
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
#ifdef MULTIPOS_WITH_UI
  if (command == "studio") return multipos::app::studio_command(rest);
  if (command.rfind("--", 0) == 0 || command.empty()) {
    std::vector<std::string> all = rest;
    if (!command.empty()) all.insert(all.begin(), command);
    return multipos::app::studio_command(all);
  }
#else
  if (command == "studio" || command.empty() || command.rfind("--", 0) == 0) {
    std::fputs("multipos: this build has no studio (configured with -DMULTIPOS_BUILD_UI=OFF)\n", stderr);
    return 2;
  }
#endif
  std::fprintf(stderr, "multipos: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}

// Long file loads say how far they are (on stderr, so a worker's log shows it too).
void print_load_progress(const std::string& path, std::uint64_t done, std::uint64_t total) {
  const double mib = 1024.0 * 1024.0;
  std::fprintf(stderr, "loading %s: %3.0f%% (%.0f of %.0f MiB)\n", path.c_str(),
               total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0,
               static_cast<double>(done) / mib, static_cast<double>(total) / mib);
}

}  // namespace

int main(int argc, char** argv) {
  // Commands that train or encode here start again with OpenMP's passive wait policy (2-5x
  // faster steps on a small CPU); workers the studio, `launch` and `study` spawn get it directly.
  if (argc > 1 && (std::string(argv[1]) == "train" || std::string(argv[1]) == "study" ||
                   (std::string(argv[1]) == "eval" && std::find(argv, argv + argc, std::string("--db")) != argv + argc)))
    multipos::runs::reexec_with_passive_openmp(argv);
  multipos::data::set_load_progress(print_load_progress);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = args.empty() ? "" : args.front();
  std::vector<std::string> rest = args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if (command.rfind("--", 0) == 0 && command != "--help") rest = args, command = "";
  try {
    return dispatch(command, rest);
  } catch (const multipos::app::UsageError& error) {
    std::fprintf(stderr, "multipos %s: %s\n", command.c_str(), error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "multipos %s: %s\n", command.c_str(), error.what());
    return 1;
  }
}
