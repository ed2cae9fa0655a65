// What the background-training subcommands share (launch, scheduler, resume, stop, cancel,
// queue, doctor, study): their options, how they print, and the one foreground scheduling loop,
// all over core/runs' RunService.
#pragma once

#include <string>

#include "app/commands/cli_args.hpp"
#include "core/runs/run_service.hpp"

namespace multipos::app {

// --db made absolute (default_database_path() when absent).
std::string database_option(const CliArgs& cli);
// --max-concurrent (default: one run per GPU, else by cores), at least 1.
int max_concurrent_option(const CliArgs& cli);
// --heartbeat-timeout in seconds, positive.
double heartbeat_timeout_option(const CliArgs& cli);
// Both, as the scheduler's options.
runs::SchedulerOptions scheduler_options(const CliArgs& cli);

// A line on stdout, flushed (the logs of detached processes are read while they run).
void say(const std::string& text);
// One line per event, e.g. "started run 3 (worker pid 41, log FILE)", "run 3 failed: ...".
void print_events(const std::vector<runs::RunEvent>& events, const std::string& database);

// Ticks once a second until nothing is queued or running here and every worker started here was
// reaped (0), or until SIGINT/SIGTERM (130; running workers carry on in their own sessions).
int schedule_in_foreground(runs::RunService& service);
// --wait: schedule_in_foreground; otherwise hands the queue to a detached scheduler and says so.
int start_queue(runs::RunService& service, bool wait, const std::string& what, const std::string& hint = "");
// After a --wait: one line per run with its status; 1 when one did not finish (status 0 given).
int report_outcome(const std::string& database, const std::vector<int64_t>& run_ids, int status);

}  // namespace multipos::app
