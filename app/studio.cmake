# The studio front of the multipos executable (included by app/CMakeLists.txt when
# MULTIPOS_BUILD_UI): Dear ImGui's GLFW + OpenGL3 backends compiled from the system copy, our
# platform layer (app/platform/) and the `studio` command.
find_package(PkgConfig REQUIRED)
pkg_check_modules(GLFW3 REQUIRED IMPORTED_TARGET glfw3)
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)   # stb_image_write lives in libstb
find_package(OpenGL REQUIRED)

set(MULTIPOS_IMGUI_BACKENDS_DIR "/usr/share/doc/libimgui-dev/examples/backends"
    CACHE PATH "Directory holding Dear ImGui's imgui_impl_glfw.cpp and imgui_impl_opengl3.cpp")
foreach(backend imgui_impl_glfw.cpp imgui_impl_opengl3.cpp)
  if(NOT EXISTS "${MULTIPOS_IMGUI_BACKENDS_DIR}/${backend}")
    message(FATAL_ERROR "${backend} not found in MULTIPOS_IMGUI_BACKENDS_DIR="
                        "${MULTIPOS_IMGUI_BACKENDS_DIR} (Debian: apt install libimgui-dev)")
  endif()
endforeach()

# Third-party backends: built from the system copy without our warning flags.
add_library(multipos_imgui_backends STATIC
  ${MULTIPOS_IMGUI_BACKENDS_DIR}/imgui_impl_glfw.cpp
  ${MULTIPOS_IMGUI_BACKENDS_DIR}/imgui_impl_opengl3.cpp)
target_include_directories(multipos_imgui_backends PUBLIC /usr/include/imgui/backends)
target_link_libraries(multipos_imgui_backends
  PUBLIC PkgConfig::IMGUI PkgConfig::GLFW3 OpenGL::GL ${CMAKE_DL_LIBS})

# The headless platform needs no window or GPU: tests link it to drive the panels.
add_library(multipos_platform_null STATIC platform/null_platform.cpp)
target_include_directories(multipos_platform_null PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(multipos_platform_null PUBLIC PkgConfig::IMGUI PRIVATE multipos_warnings)

add_library(multipos_studio_app STATIC
  platform/glfw_platform.cpp
  studio_command.cpp)
target_include_directories(multipos_studio_app PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(multipos_studio_app
  PUBLIC multipos_ui multipos_platform_null
  PRIVATE multipos_imgui_backends multipos_cli PkgConfig::STB multipos_warnings)
