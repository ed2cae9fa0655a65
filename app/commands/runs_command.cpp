#include <cstdio>
#include <ctime>
#include <iostream>

#include "app/commands/cli_args.hpp"
#include "app/commands/commands.hpp"
#include "core/store/run_store.hpp"

namespace multipos::app {

namespace {

std::string format_time(double unix_seconds) {
  if (unix_seconds <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(unix_seconds);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

std::string clip(const std::string& text, size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 1) + "~";
}

}  // namespace

int runs_command(const std::vector<std::string>& args) {
  CliArgs cli(args, {"db"}, {"json"});
  std::string db = cli.get_or("db", default_database_path());
  store::RunStore store(db, store::RunStore::Mode::read_only);
  auto runs = store.list_runs();
  if (cli.has("json")) {
    for (const auto& run : runs)
      std::printf(
          "{\"id\":%lld,\"status\":\"%s\",\"objective\":\"%s\",\"last_step\":%lld,\"last_loss\":%.9g,\"gpus\":\"%s\"}\n",
          static_cast<long long>(run.id), run.status.c_str(), run.objective.c_str(), static_cast<long long>(run.last_step),
          run.last_loss, run.gpus.c_str());
    return 0;
  }
  std::printf("%-5s %-22s %-9s %-11s %-12s %13s %10s %-5s %-19s %s\n", "id", "name", "status", "objective", "dataset",
              "steps", "last loss", "gpu", "started", "group / error");
  for (const auto& run : runs) {
    std::string steps = std::to_string(run.last_step + 1) + "/" + std::to_string(run.total_steps);
    std::string loss = run.last_step >= 0 ? std::to_string(run.last_loss).substr(0, 8) : "-";
    std::string tail = run.error.empty() ? run.group_id : "ERROR: " + run.error;
    // gpu: the GPUs the scheduler gave the run (CUDA_VISIBLE_DEVICES), "-" for none.
    std::printf("%-5lld %-22s %-9s %-11s %-12s %13s %10s %-5s %-19s %s\n", static_cast<long long>(run.id),
                clip(run.name, 22).c_str(), run.status.c_str(), run.objective.c_str(), clip(run.dataset, 12).c_str(),
                steps.c_str(), loss.c_str(), run.gpus.empty() ? "-" : run.gpus.c_str(),
                format_time(run.started_at).c_str(), tail.c_str());
  }
  if (runs.empty()) std::printf("(no runs in %s)\n", db.c_str());
  return 0;
}

}  // namespace multipos::app
