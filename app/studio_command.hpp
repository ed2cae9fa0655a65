// `multipos studio [options]` (and `multipos` with no subcommand): opens the ImGui studio on a run
// store, or with --screenshot renders a few frames to a PNG and exits (for CI and docs).
// Returns the process exit code: 0 ok, 1 no display / screenshot failure, 2 usage error.
#pragma once

#include <string>
#include <vector>

namespace multipos::app {

// `args` are the words after "studio" (or after the program name when there is no subcommand).
int studio_command(const std::vector<std::string>& args);

}  // namespace multipos::app
