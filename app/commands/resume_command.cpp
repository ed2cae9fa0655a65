// `multipos resume`: puts a stopped or failed run back in the queue; its worker continues from
// the run's last checkpoint.
#include <cstdio>
#include <filesystem>

#include "app/commands/commands.hpp"
#include "app/commands/scheduling.hpp"
#include "core/train/run_checkpoints.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos resume --db FILE --run ID [--wait] [--max-concurrent N]\n"
    "  Puts a stopped or failed run back in the queue; its worker continues from the run's last\n"
    "  checkpoint (same results as an uninterrupted run). Refuses a run without a checkpoint of its\n"
    "  own or whose checkpoint has another config, changing nothing. --wait schedules in the foreground.\n";

}  // namespace

int resume_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "run", "max-concurrent", "heartbeat-timeout"}, {"wait", "help"});
  if (cli.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!cli.get("run")) throw UsageError("--run ID is required");
  const std::string database = database_option(cli);
  if (!std::filesystem::exists(database)) throw UsageError(database + ": no such database");
  const int64_t run_id = cli.integer("run", 0);
  // The service's resume check: a checkpoint of the run's own, with the run's config.
  train::CheckpointInfo checkpoint;
  auto check = [&checkpoint](const store::RunStore& store, int64_t id) {
    checkpoint = train::check_resumable(store, id);
    return checkpoint.dir;
  };
  runs::RunService service({database, "", scheduler_options(cli), check, nullptr});
  try {
    service.resume(run_id);
    say("run " + std::to_string(run_id) + " queued to resume after step " + std::to_string(checkpoint.step) +
        " from " + checkpoint.dir);
  } catch (const train::ResumeError& error) {
    throw UsageError(error.what());
  } catch (const runs::RunControlError& error) {
    throw UsageError(error.what());
  }
  service.take_events();
  const int status = start_queue(service, cli.has("wait"), "it");
  return cli.has("wait") ? report_outcome(database, {run_id}, status) : status;
}

}  // namespace multipos::app
