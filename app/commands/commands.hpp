// The headless subcommands of the multipos executable; each returns the process exit code and
// reports errors on stderr with the file / field / option at fault.
#pragma once

#include <string>
#include <vector>

namespace multipos::app {

int train_command(const std::vector<std::string>& args);
int runs_command(const std::vector<std::string>& args);
// Background workers, over core/runs' RunService (scheduling.hpp; one file per command).
int launch_command(const std::vector<std::string>& args);
int scheduler_command(const std::vector<std::string>& args);
int stop_command(const std::vector<std::string>& args);
int cancel_command(const std::vector<std::string>& args);
int doctor_command(const std::vector<std::string>& args);
int resume_command(const std::vector<std::string>& args);  // requeue a stopped/failed run to resume
int queue_command(const std::vector<std::string>& args);   // list the queue, move a queued run
int eval_command(const std::vector<std::string>& args);
int data_command(const std::vector<std::string>& args);  // data stats, data store-texts (data_command.cpp)
int study_command(const std::vector<std::string>& args);  // study mode (study_command.cpp)

}  // namespace multipos::app
