# Checks what weave_add_tests registered in one build directory (cmake -P; driven by ctest).
#
#   cmake -D CTEST=<ctest> -D BUILD=<top build dir> -D DIR=<dir of the tests> -D EXPECTED=<file>
#         -P check_tests.cmake
#
# 1. `ctest -L weave` in DIR lists exactly the tests of EXPECTED, in its order, each with the
#    command and properties written there (BUILD written as <build>). On a difference the listing
#    is saved beside DIR's tests as weave-tests-actual.txt, to compare or to copy over EXPECTED.
# 2. Each test's command selects exactly its own test case: with the framework's listing option
#    added, the binary lists just one case, and the test's name ends with that case's name.
cmake_minimum_required(VERSION 3.25)

foreach(var CTEST BUILD DIR EXPECTED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_tests.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND "${CTEST}" --test-dir "${DIR}" --show-only=json-v1 -L weave
  OUTPUT_VARIABLE json RESULT_VARIABLE status COMMAND_ERROR_IS_FATAL ANY)

# Fails unless the command <exe> <arg> [<arg2>] of `test` selects exactly one case of the binary,
# the one whose name ends the test's name.
function(check_selection test exe arg arg2)
  if(arg MATCHES "^--gtest_filter=")
    set(list_option --gtest_list_tests)
  else()
    set(list_option --list-test-names-only)
  endif()
  if(arg2 STREQUAL "")
    execute_process(COMMAND "${exe}" "${arg}" ${list_option} OUTPUT_VARIABLE listed)
  else()
    execute_process(COMMAND "${exe}" "${arg}" "${arg2}" ${list_option} OUTPUT_VARIABLE listed)
  endif()
  # GoogleTest lists Suite.Name as "Suite." and "  Name" (gtest_main may announce itself first);
  # Catch2 lists one name a line, quoted when it starts with #.
  string(REGEX REPLACE "^Running main\\(\\) from [^\n]*\n" "" case "${listed}")
  string(REGEX REPLACE "^([^\n]+)\n  ([^\n]+)\n$" "\\1\\2" case "${case}")
  string(REGEX REPLACE "^\"(#[^\n]*)\"\n$" "\\1" case "${case}")
  string(REGEX REPLACE "^([^\n]*)\n$" "\\1" case "${case}")
  string(LENGTH "${test}" test_length)
  string(LENGTH "${case}" case_length)
  set(tail "")
  if(case_length GREATER 0 AND NOT case MATCHES "\n" AND NOT case_length GREATER test_length)
    math(EXPR start "${test_length} - ${case_length}")
    string(SUBSTRING "${test}" ${start} -1 tail)
  endif()
  if(tail STREQUAL "" OR NOT tail STREQUAL case)
    message(FATAL_ERROR "check_tests.cmake: the command of test '${test}' selects\n${listed}"
      "instead of just the case its name ends with")
  endif()
endfunction()

string(JSON count LENGTH "${json}" tests)
set(actual "")
set(index 0)
while(index LESS count)
  string(JSON test GET "${json}" tests ${index} name)
  string(APPEND actual "${test}\n  command:")
  string(JSON argc LENGTH "${json}" tests ${index} command)
  foreach(i RANGE 2)
    set(arg${i} "")
    if(i LESS argc)
      string(JSON arg${i} GET "${json}" tests ${index} command ${i})
      string(APPEND actual " ${arg${i}}")
    endif()
  endforeach()
  string(JSON properties LENGTH "${json}" tests ${index} properties)
  set(p 0)
  while(p LESS properties)
    string(JSON name GET "${json}" tests ${index} properties ${p} name)
    string(JSON type TYPE "${json}" tests ${index} properties ${p} value)
    if(type STREQUAL "ARRAY")
      string(JSON n LENGTH "${json}" tests ${index} properties ${p} value)
      set(value "")
      set(v 0)
      while(v LESS n)
        string(JSON item GET "${json}" tests ${index} properties ${p} value ${v})
        if(v GREATER 0)
          string(APPEND value " | ")
        endif()
        string(APPEND value "${item}")
        math(EXPR v "${v} + 1")
      endwhile()
    else()
      string(JSON value GET "${json}" tests ${index} properties ${p} value)
    endif()
    string(APPEND actual "\n  ${name}: ${value}")
    math(EXPR p "${p} + 1")
  endwhile()
  string(APPEND actual "\n")

  check_selection("${test}" "${arg0}" "${arg1}" "${arg2}")
  math(EXPR index "${index} + 1")
endwhile()

string(REPLACE "${BUILD}" "<build>" actual "${actual}")
file(READ "${EXPECTED}" expected)
if(NOT actual STREQUAL expected)
  file(WRITE "${DIR}/weave-tests-actual.txt" "${actual}")
  message(FATAL_ERROR "check_tests.cmake: ctest -L weave in ${DIR} lists\n${actual}\n"
    "instead of (${EXPECTED})\n${expected}\n(saved as ${DIR}/weave-tests-actual.txt)")
endif()
message(STATUS "check_tests.cmake: ${count} tests registered as expected in ${DIR}")
