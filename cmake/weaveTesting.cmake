# weaveTesting.cmake — weave_add_tests(): every test case of a test binary as a ctest test.
#
#   weave_add_tests(<target>
#                   [TEST_PREFIX <prefix>]          put before each ctest test name
#                   [WORKING_DIRECTORY <dir>]       where the tests run (default: this binary dir)
#                   [LABELS <label>...]             labels besides "weave"
#                   [PROPERTIES <name> <value>...]  more ctest test properties
#                   [ENVIRONMENT <NAME=value>...])  variables besides (or instead of) the defaults
#
# <target> is a Catch2 (v2) or GoogleTest executable; which one is found out by asking it. After
# each link of <target> its test cases are listed (a POST_BUILD step, as catch_discover_tests and
# gtest_discover_tests do) and each becomes a ctest test that runs just that case: Catch2 with
# the case's name as an exact test spec, GoogleTest with --gtest_filter=Suite.Name. Every test
# has the label "weave", so `ctest -L weave` runs all of them, and the environment
#   WEAVE_ARTIFACTS=<this binary dir>/weave-failures   failing schedules are saved there
#   WEAVE_QUIET=1                                      no seed lines on stderr
# unless ENVIRONMENT sets these variables itself. Give labels and variables with LABELS and
# ENVIRONMENT, not among the PROPERTIES (they are keywords of weave_add_tests). Property values
# and the environment may use generator expressions. Single-configuration generators only.
#
# Available after add_subdirectory(weave) and after find_package(weave).
include_guard(GLOBAL)
# The caller's policies may be older than this code: use 3.25's here, and only here.
cmake_policy(PUSH)
cmake_policy(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/weaveAddTests.cmake")

function(weave_add_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TEST_PREFIX;WORKING_DIRECTORY"
                        "LABELS;PROPERTIES;ENVIRONMENT")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "weave_add_tests(${target}): unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "weave_add_tests(${target}): no such target")
  endif()
  get_target_property(type ${target} TYPE)
  if(NOT type STREQUAL "EXECUTABLE")
    message(FATAL_ERROR "weave_add_tests(${target}): not an executable (${type})")
  endif()
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(multi_config)
    message(FATAL_ERROR "weave_add_tests(${target}): the generator ${CMAKE_GENERATOR} builds "
      "several configurations; weave_add_tests supports single-configuration generators")
  endif()
  if(NOT arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()

  # PROPERTIES come in pairs; a value may itself be a list (PARSE_ARGV keeps its semicolons).
  set(properties "")
  list(LENGTH arg_PROPERTIES left)
  math(EXPR odd "${left} % 2")
  if(odd)
    message(FATAL_ERROR "weave_add_tests(${target}): PROPERTIES must be name-value pairs")
  endif()
  # (by index: list(POP_FRONT) would drop the escaping of the semicolons in the values it leaves)
  set(at 0)
  while(at LESS left)
    math(EXPR next "${at} + 1")
    list(GET arg_PROPERTIES ${at} name)
    list(GET arg_PROPERTIES ${next} value)
    _weave_bracket(value "${value}")
    string(APPEND properties " ${name} ${value}")
    math(EXPR at "${at} + 2")
  endwhile()
  set(labels weave ${arg_LABELS})
  list(REMOVE_DUPLICATES labels)
  set(defaults "WEAVE_ARTIFACTS=${CMAKE_CURRENT_BINARY_DIR}/weave-failures" "WEAVE_QUIET=1")
  set(environment "")
  foreach(default IN LISTS defaults)
    string(REGEX REPLACE "=.*" "" variable "${default}")
    if(NOT "${arg_ENVIRONMENT}" MATCHES "(^|;)${variable}=")
      list(APPEND environment "${default}")
    endif()
  endforeach()
  list(APPEND environment ${arg_ENVIRONMENT})
  _weave_bracket(labels "${labels}")
  _weave_bracket(environment "${environment}")
  string(APPEND properties " LABELS ${labels} ENVIRONMENT ${environment}")

  # Several calls for one target (with other prefixes, say) each get their own files.
  get_property(calls TARGET ${target} PROPERTY WEAVE_ADD_TESTS_CALLS)
  if(NOT calls)
    set(calls 0)
  endif()
  math(EXPR calls "${calls} + 1")
  set_property(TARGET ${target} PROPERTY WEAVE_ADD_TESTS_CALLS ${calls})
  set(base "${CMAKE_CURRENT_BINARY_DIR}/${target}-weave-tests-${calls}")

  # What the build-time step needs, in a file: arguments of a custom command could not carry
  # the semicolons and brackets of the rendered properties intact.
  foreach(var target arg_TEST_PREFIX arg_WORKING_DIRECTORY properties)
    _weave_bracket(quoted_${var} "${${var}}")
  endforeach()
  _weave_bracket(quoted_tests_file "${base}.cmake")
  string(CONCAT settings
    "# Written by weave_add_tests(${target}) for weaveAddTests.cmake.\n"
    "set(weave_target ${quoted_target})\n"
    "set(weave_executable [==[$<TARGET_FILE:${target}>]==])\n"
    "set(weave_test_prefix ${quoted_arg_TEST_PREFIX})\n"
    "set(weave_working_directory ${quoted_arg_WORKING_DIRECTORY})\n"
    "set(weave_test_properties ${quoted_properties})\n"
    "set(weave_tests_file ${quoted_tests_file})\n")
  file(GENERATE OUTPUT "${base}-settings.cmake" CONTENT "${settings}")
  # file(GENERATE) leaves the settings untouched unless they change; when they do (or this
  # module's script does), relink the binary so that its POST_BUILD step lists the tests again.
  set(script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/weaveAddTests.cmake")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${base}-settings.cmake" "${script}")
  add_custom_command(TARGET ${target} POST_BUILD
    BYPRODUCTS "${base}.cmake"
    COMMAND "${CMAKE_COMMAND}" -D "WEAVE_SETTINGS=${base}-settings.cmake" -P "${script}"
    VERBATIM)

  # ctest reads this: the listed tests once the binary is built, before that a failing
  # placeholder with the same labels (so that `ctest -L weave` does not pass by running nothing).
  file(WRITE "${base}-include.cmake"
    "if(EXISTS \"${base}.cmake\")\n"
    "  include(\"${base}.cmake\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "  set_tests_properties(${target}_NOT_BUILT PROPERTIES LABELS ${labels})\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${base}-include.cmake")
endfunction()

cmake_policy(POP)
