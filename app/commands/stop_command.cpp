// `multipos stop` and `multipos cancel`: end one run (SIGTERM and wait, SIGKILL with --kill, or
// cancel a queued run).
#include <chrono>
#include <cstdio>
#include <thread>

#include "app/commands/commands.hpp"
#include "app/commands/scheduling.hpp"

namespace multipos::app {

namespace {

const char* kStopUsage =
    "usage: multipos stop --db FILE --run ID [--kill] [--timeout SECONDS]\n"
    "  Asks the run's worker to stop after its current step (SIGTERM) and waits for it; a queued run\n"
    "  is cancelled; --kill ends the worker at once (SIGKILL) and marks the run failed.\n";
const char* kCancelUsage = "usage: multipos cancel --db FILE --run ID   (a queued run: marks it stopped)\n";

runs::RunService open_service(const CliArgs& cli) {
  if (!cli.get("run")) throw UsageError("--run ID is required");
  return runs::RunService({database_option(cli), "", {}, nullptr, nullptr});
}

// Waits for the worker to mark the run stopped (0) or anything but running (1), up to `timeout`.
int wait_until_not_running(store::RunStore& store, int64_t run_id, double timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (std::chrono::steady_clock::now() < deadline) {
    auto run = store.find_run(run_id);
    if (run->status != "running") {
      say("run " + std::to_string(run_id) + " " + run->status + (run->error.empty() ? "" : ": " + run->error));
      return run->status == "stopped" || run->status == "finished" ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "multipos stop: run %lld still running after %.0f s; end it with --kill\n",
               static_cast<long long>(run_id), timeout);
  return 1;
}

}  // namespace

int stop_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "run", "timeout"}, {"kill", "help"});
  if (cli.has("help")) {
    std::fputs(kStopUsage, stdout);
    return 0;
  }
  runs::RunService service = open_service(cli);
  const int64_t run_id = cli.integer("run", 0);
  int64_t pid = 0;
  try {
    if (cli.has("kill")) {
      service.kill(run_id);
      say("run " + std::to_string(run_id) + " killed: " + service.store().find_run(run_id)->error);
      return 0;
    }
    pid = service.stop(run_id);
  } catch (const runs::RunControlError& error) {
    throw UsageError(error.what());
  }
  if (pid == 0) {
    say("run " + std::to_string(run_id) + " cancelled before it started");
    return 0;
  }
  say("asked worker pid " + std::to_string(pid) + " to stop run " + std::to_string(run_id) + " after its current step");
  return wait_until_not_running(service.store(), run_id, cli.number("timeout", 30));
}

int cancel_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "run"}, {"help"});
  if (cli.has("help")) {
    std::fputs(kCancelUsage, stdout);
    return 0;
  }
  runs::RunService service = open_service(cli);
  const int64_t run_id = cli.integer("run", 0);
  try {
    service.cancel(run_id);
  } catch (const runs::RunControlError& error) {
    throw UsageError(error.what());
  }
  say("run " + std::to_string(run_id) + " cancelled before it started");
  return 0;
}

}  // namespace multipos::app
