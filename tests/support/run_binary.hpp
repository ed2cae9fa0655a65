// Runs the multipos executable built with the tests (MULTIPOS_BINARY) and captures its exit code
// and output, for the end-to-end tests of the command line.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace multipos::testing {

inline const std::string kBinary = MULTIPOS_BINARY;
inline const std::string kQuickPreset = std::string(MULTIPOS_SOURCE_DIR) + "/assets/presets/quick.json";

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// `environment` goes before the program on the shell line: "env -u NAME" or "NAME=value".
inline Result run(const std::string& arguments, const std::string& environment = "") {
  Result result;
  std::string command = environment + (environment.empty() ? "" : " ") + "\"" + kBinary + "\" " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace multipos::testing
