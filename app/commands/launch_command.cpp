// `multipos launch`: queues one run per objective and trains them in background workers through a
// detached scheduler (or, with --wait, in the foreground).
#include <cstdio>
#include <thread>

#include "app/commands/commands.hpp"
#include "app/commands/run_creation.hpp"
#include "app/commands/scheduling.hpp"
#include "core/runs/gpus.hpp"
#include "core/runs/process.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos launch --config FILE.json --db FILE --objective NAME|a,b,...|all\n"
    "                       [--max-concurrent N] [--wait] [--set key.path=JSON ...] [--steps N] ...\n"
    "  Queues one run per objective and trains them in background workers (one process per run,\n"
    "  output in FILE.logs/run-ID.log) through a detached scheduler; --wait schedules in the foreground.\n";

// Without --max-concurrent: as many as free GPUs when the runs train on CUDA, else by cores.
int default_limit_for(store::RunStore& store, int64_t first_run) {
  std::vector<std::string> held;
  for (const auto& run : store.list_runs())
    if (run.status == "running" && run.host == runs::this_host_name() && !run.gpus.empty()) held.push_back(run.gpus);
  return runs::default_max_concurrent_for(store.find_run(first_run)->config_json, held,
                                          std::thread::hardware_concurrency());
}

}  // namespace

int launch_command(const std::vector<std::string>& args) {
  std::set<std::string> valued = run_config_options();
  valued.insert({"db", "max-concurrent", "heartbeat-timeout"});
  CliArgs cli(args, valued, {"wait", "help"});
  if (cli.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  runs::RunService service({database_option(cli), "", scheduler_options(cli), nullptr, nullptr});
  const std::vector<int64_t> run_ids = create_runs_from_cli(cli, service.store());
  if (run_ids.empty()) {  // --objective none: the baselines are scored and stored already
    say("nothing to train: the baselines are stored as finished runs; list them with `multipos runs --db " +
        service.database() + "`");
    return 0;
  }
  if (!cli.get("max-concurrent")) service.set_max_concurrent(default_limit_for(service.store(), run_ids.front()));
  for (int64_t run_id : run_ids) {
    auto run = service.store().find_run(run_id);
    say("queued run " + std::to_string(run_id) + " " + run->name + " (" + run->objective + ", " +
        std::to_string(run->total_steps) + " steps)");
  }
  service.take_events();  // the queued runs were just listed
  const int status = start_queue(service, cli.has("wait"), "them",
                                 "; follow with `multipos runs --db " + service.database() + "`");
  return cli.has("wait") ? report_outcome(service.database(), run_ids, status) : status;
}

}  // namespace multipos::app
