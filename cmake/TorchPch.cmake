# One precompiled header of the LibTorch headers, reused by every target that compiles against
# LibTorch. Parsing ATen/torch headers is ~80% of such a file's compile time (bag_encoder.cpp:
# 20.5 s of CPU without, 8.1 s with), so this roughly halves a cold build. GCC only: clang
# refuses a PCH whose flags differ (e.g. the fuzz build's -fsanitize=fuzzer-no-link).
# ccache caches PCH-using compiles only with sloppiness pch_defines,time_macros (set in the
# compiler launcher in the top CMakeLists.txt).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(multipos_pch_default ON)
else()
  set(multipos_pch_default OFF)
endif()
option(MULTIPOS_PCH "Precompile the LibTorch headers once per build (GCC)" ${multipos_pch_default})

if(MULTIPOS_PCH)
  add_library(multipos_torch_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/torch_pch.cpp)
  target_link_libraries(multipos_torch_pch PRIVATE ${TORCH_LIBRARIES} multipos_warnings)
  target_include_directories(multipos_torch_pch SYSTEM PRIVATE ${TORCH_INCLUDE_DIRS})
  target_precompile_headers(multipos_torch_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/torch_pch.hpp)
endif()

# multipos_torch_pch(TARGET...): the targets compile with the shared LibTorch PCH (no-op when off).
function(multipos_torch_pch)
  if(MULTIPOS_PCH)
    foreach(target ${ARGN})
      target_precompile_headers(${target} REUSE_FROM multipos_torch_pch)
    endforeach()
  endif()
endfunction()
