# Coverage-guided fuzzing (tests/fuzz, run by scripts/fuzz): a clang build folder of its own that
# instruments our sources for libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer (every
# UBSan report fatal) and builds only the fuzz targets and the core libraries they link.
option(MULTIPOS_FUZZ "Build the libFuzzer targets of tests/fuzz only (clang; see scripts/fuzz)" OFF)
if(MULTIPOS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MULTIPOS_FUZZ needs clang (libFuzzer): configure with CXX=clang++-14 CC=clang-14, or run scripts/fuzz")
  endif()
  if(MULTIPOS_ASAN OR MULTIPOS_TSAN)
    message(FATAL_ERROR "MULTIPOS_FUZZ brings its own sanitizers: leave MULTIPOS_ASAN and MULTIPOS_TSAN off")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
