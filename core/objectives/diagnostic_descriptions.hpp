// Tooltip sentences for the diagnostic series names (the list is in diagnostics.hpp). Kept apart
// from diagnostics.hpp and free of LibTorch so the studio can show them without linking the engine.
#pragma once

#include <string>

namespace multipos::objectives {

// One sentence per name, for the studio's tooltips; empty for names this library never emits.
std::string diagnostic_description(const std::string& name);

}  // namespace multipos::objectives
