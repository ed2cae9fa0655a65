// `multipos scheduler`: starts queued runs up to a limit and reaps dead workers until nothing is
// queued or running on this host (the process `launch`, `resume` and the studio hand over to).
#include <cstdio>

#include "app/commands/commands.hpp"
#include "app/commands/scheduling.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos scheduler --db FILE [--max-concurrent N] [--heartbeat-timeout SECONDS]\n"
    "  Starts queued runs (in queue order, at most N at once) and marks dead workers' runs failed,\n"
    "  once a second, until nothing is queued or running on this host.\n";

}  // namespace

int scheduler_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "max-concurrent", "heartbeat-timeout"}, {"help"});
  if (cli.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  runs::RunService service({database_option(cli), "", scheduler_options(cli), nullptr, nullptr});
  return schedule_in_foreground(service);
}

}  // namespace multipos::app
