#include "app/commands/scheduling.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/runs/gpus.hpp"
#include "core/runs/process.hpp"

namespace multipos::app {

std::string database_option(const CliArgs& cli) {
  return std::filesystem::absolute(cli.get_or("db", default_database_path())).lexically_normal().string();
}

int max_concurrent_option(const CliArgs& cli) {
  const int fallback =
      runs::default_max_concurrent(std::thread::hardware_concurrency(), static_cast<int>(runs::host_gpus().size()));
  const int64_t value = cli.integer("max-concurrent", fallback);
  if (value < 1) throw UsageError("--max-concurrent must be at least 1, got " + std::to_string(value));
  return static_cast<int>(value);
}

double heartbeat_timeout_option(const CliArgs& cli) {
  const double value = cli.number("heartbeat-timeout", runs::kDefaultHeartbeatTimeoutSeconds);
  if (value <= 0) throw UsageError("--heartbeat-timeout must be positive");
  return value;
}

runs::SchedulerOptions scheduler_options(const CliArgs& cli) {
  return {max_concurrent_option(cli), heartbeat_timeout_option(cli), std::nullopt};
}

void say(const std::string& text) {
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

void print_events(const std::vector<runs::RunEvent>& events, const std::string& database) {
  using Kind = runs::RunEvent::Kind;
  for (const auto& event : events) {
    const std::string run = "run " + std::to_string(event.run_id);
    switch (event.kind) {
      case Kind::started:
        say("started " + run + " (worker pid " + std::to_string(event.pid) + ", log " +
            runs::worker_log_path(database, event.run_id) + ")");
        break;
      case Kind::failed:
        say(run + " failed: " + event.text);
        break;
      default:
        break;  // the commands that made the request say what they did
    }
  }
}

int schedule_in_foreground(runs::RunService& service) {
  runs::install_quit_handlers();
  say("scheduler for " + service.database() + " (pid " + std::to_string(getpid()) + ", at most " +
      std::to_string(service.scheduler_options().max_concurrent) + " running at once)");
  runs::LoopOptions loop;
  loop.on_events = [&](const std::vector<runs::RunEvent>& events) { print_events(events, service.database()); };
  if (runs::run_until(service, loop) == runs::LoopEnd::done) {
    say("nothing queued or running: scheduler exits");
    return 0;
  }
  say("scheduler interrupted: running workers carry on; queued runs wait for `multipos scheduler --db " +
      service.database() + "`");
  return 130;
}

int start_queue(runs::RunService& service, bool wait, const std::string& what, const std::string& hint) {
  if (wait) return schedule_in_foreground(service);
  const int64_t pid = service.hand_over();
  say("scheduler pid " + std::to_string(pid) + " trains " + what + " in the background (log " +
      service.scheduler_log() + ")" + hint);
  return 0;
}

int report_outcome(const std::string& database, const std::vector<int64_t>& run_ids, int status) {
  store::RunStore store(database, store::RunStore::Mode::read_only);
  for (int64_t run_id : run_ids) {
    auto run = store.find_run(run_id);
    say("run " + std::to_string(run_id) + " " + run->status + (run->error.empty() ? "" : ": " + run->error));
    if (run->status != "finished" && status == 0) status = 1;
  }
  return status;
}

}  // namespace multipos::app
