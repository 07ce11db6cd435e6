# Helpers shared by every component's CMakeLists.txt.

# -Wno-restrict: GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string
# concatenation (GCC bug 105329); the warning is noise for every file that builds strings.
set(TINYK8S_WARNINGS -Wall -Wextra -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND TINYK8S_WARNINGS -Wno-restrict)  # clang (fuzz builds) has no such option
endif()

# tinyk8s_add_library(NAME SOURCES... DEPS ...): one static library per folder.
function(tinyk8s_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${TINYK8S_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# tinyk8s_add_test(NAME SOURCES... DEPS ... [LABELS ...]): one gtest executable per component.
function(tinyk8s_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${TINYK8S_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main Threads::Threads)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  # Tests find the binary and the test data through compiled-in paths.
  target_compile_definitions(${name} PRIVATE
    TINYK8S_BINARY_PATH="${PROJECT_BINARY_DIR}/cmd/tinyk8s"
    TINYK8S_SOURCE_PATH="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()

include(GoogleTest)
