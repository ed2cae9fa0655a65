// `multipos queue`: lists the queue, or moves a queued run in it.
#include <cstdio>
#include <limits>

#include "app/commands/commands.hpp"
#include "app/commands/scheduling.hpp"

namespace multipos::app {

namespace {

const char* kUsage =
    "usage: multipos queue --db FILE [--run ID (--to N | --first | --last)]\n"
    "  Moves a queued run in the queue (position 1 starts next); without --run lists the queue.\n";

}  // namespace

int queue_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db", "run", "to"}, {"first", "last", "help"});
  if (cli.has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  runs::RunService service({database_option(cli), "", {}, nullptr, nullptr});
  if (cli.get("run")) {
    const int choices = cli.has("to") + cli.has("first") + cli.has("last");
    if (choices != 1) throw UsageError("give exactly one of --to N, --first, --last");
    const int64_t run_id = cli.integer("run", 0);
    int64_t position = cli.has("first")  ? 1
                       : cli.has("last") ? std::numeric_limits<int64_t>::max()
                                         : cli.integer("to", 1);
    if (position < 1) throw UsageError("--to must be at least 1, got " + std::to_string(position));
    try {
      position = service.move(run_id, position);
    } catch (const runs::RunControlError& error) {
      throw UsageError(error.what());
    }
    say("run " + std::to_string(run_id) + " is now at position " + std::to_string(position) + " of the queue");
  }
  int64_t position = 0;
  for (int64_t id : service.store().queue_order()) {
    auto run = service.store().find_run(id);
    say(std::to_string(++position) + ". run " + std::to_string(id) + " " + run->name + " (" + run->objective + ")");
  }
  if (position == 0) say("the queue is empty");
  return 0;
}

}  // namespace multipos::app
