// Fault injection for tests (like SQLite's test hooks): `MULTIPOS_FAULT=<point>[:<detail>]` makes
// the process SIGKILL itself when it reaches the named point, so a test can crash it at an exact
// moment instead of guessing one with a sleep. Points:
//   checkpoint_before_rename:<name>  a checkpoint's files are written, its folder not yet renamed
//                                    (<name>: "step-10", "final"; without it, the first reached)
//   scheduler_after_claim            a scheduler claimed a queued run and has not started its worker
// Unset (the normal case), fault_point() only reads the environment.
#pragma once

#include <signal.h>

#include <cstdlib>
#include <string>

namespace multipos::util {

inline void fault_point(const std::string& point, const std::string& detail = "") {
  const char* fault = std::getenv("MULTIPOS_FAULT");
  if (fault == nullptr || *fault == '\0') return;
  const std::string wanted = fault;
  if (wanted == point || (!detail.empty() && wanted == point + ":" + detail)) ::raise(SIGKILL);
}

}  // namespace multipos::util
