// The text of an exception without LibTorch's C++ backtrace: what our messages quote.
#pragma once

#include <exception>
#include <string>

namespace multipos::dist {

std::string error_text(const std::exception& error);

}  // namespace multipos::dist
