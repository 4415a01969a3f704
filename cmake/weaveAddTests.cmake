# weaveAddTests.cmake — the build-time half of weave_add_tests() (see weaveTesting.cmake).
#
#   cmake -D WEAVE_SETTINGS=<settings file written by weave_add_tests> -P weaveAddTests.cmake
#
# Runs after every link of a test binary: asks the binary for its test cases and writes a ctest
# file registering one ctest test per case. GoogleTest binaries are told apart from Catch2 (v2)
# ones by asking `--gtest_list_tests` first: GoogleTest answers it, Catch2 rejects it as an
# unknown option (asking Catch2's question first would not do: GoogleTest ignores options it does
# not know and would run every test).
#
# The settings file defines weave_target, weave_executable, weave_working_directory,
# weave_test_prefix, weave_test_properties (the rendered PROPERTIES arguments of
# set_tests_properties) and weave_tests_file.
#
# Also included by weaveTesting.cmake, for _weave_bracket.

# The caller's policies (or script mode's) may be older than this code: use 3.25's here, and only
# here.
cmake_policy(PUSH)
cmake_policy(VERSION 3.25)

# _weave_bracket(<out> <value>): <value> as a CMake bracket argument ([=[...]=]), which keeps
# ; [ ] \ $ " and spaces exactly as they are.
function(_weave_bracket out value)
  set(equals "=")
  # The argument ends at the first closing bracket of its level: pick a level whose closing
  # bracket first appears after the value.
  while(TRUE)
    string(FIND "${value}]${equals}]" "]${equals}]" at)
    string(LENGTH "${value}" length)
    if(at EQUAL length)
      break()
    endif()
    string(APPEND equals "=")
  endwhile()
  set(${out} "[${equals}[${value}]${equals}]" PARENT_SCOPE)
endfunction()

# _weave_lines(<out> <text>): <text> as a list of its lines. CMake lists treat ; [ ] \ specially,
# so in each line they stand encoded as the control characters 1 to 4: _weave_restore decodes one.
function(_weave_lines out text)
  _weave_code(text "${text}" ENCODE)
  string(REPLACE "\r" "" text "${text}")
  string(REPLACE "\n" ";" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(_weave_restore out line)
  _weave_code(line "${line}" DECODE)
  set(${out} "${line}" PARENT_SCOPE)
endfunction()

function(_weave_code out text direction)
  set(specials ";[]\\")
  string(ASCII 1 2 3 4 codes)
  foreach(i RANGE 3)
    string(SUBSTRING "${specials}" ${i} 1 special)
    string(SUBSTRING "${codes}" ${i} 1 code)
    if(direction STREQUAL "ENCODE")
      string(REPLACE "${special}" "${code}" text "${text}")
    else()
      string(REPLACE "${code}" "${special}" text "${text}")
    endif()
  endforeach()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# _weave_add_test(<name> <rendered arguments> <rendered extra properties>): appends one test to
# `script` and counts it in `count`, both in the caller's scope.
function(_weave_add_test name arguments extra_properties)
  _weave_bracket(name "${weave_test_prefix}${name}")
  _weave_bracket(exe "${weave_executable}")
  _weave_bracket(dir "${weave_working_directory}")
  string(APPEND script
    "add_test(${name} ${exe} ${arguments})\n"
    "set_tests_properties(${name} PROPERTIES WORKING_DIRECTORY ${dir}"
    "${extra_properties}${weave_test_properties})\n")
  math(EXPR count "${count} + 1")
  set(script "${script}" PARENT_SCOPE)
  set(count ${count} PARENT_SCOPE)
endfunction()

# Registers the cases of a GoogleTest binary, given its --gtest_list_tests output:
#   Suite.                        (or Prefix/Suite/0.  # TypeParam = int)
#     Name                        (or Name/0  # GetParam() = 3)
function(_weave_gtest_tests listing)
  _weave_lines(lines "${listing}")
  set(suite "")
  foreach(line IN LISTS lines)
    _weave_restore(line "${line}")
    if(line STREQUAL "" OR line MATCHES "^Running main\\(\\) from ")
      continue()  # gtest_main announces itself
    elseif(line MATCHES "^([^ #]+)\\.( +#.*)?$")
      set(suite "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^  ([^ #]+)( +#.*)?$" AND NOT suite STREQUAL "")
      set(test "${suite}.${CMAKE_MATCH_1}")
      # GoogleTest skips DISABLED_ cases unless told otherwise; ctest shows them as disabled.
      set(disabled "")
      set(also_disabled "")
      if(test MATCHES "(^|\\.|/)DISABLED_")
        set(disabled " DISABLED TRUE")
        set(also_disabled " --gtest_also_run_disabled_tests")
      endif()
      # (test names are C++ identifiers, / and digits: nothing to escape in the filter)
      _weave_add_test("${test}" "--gtest_filter=${test}${also_disabled}"
        " SKIP_REGULAR_EXPRESSION [==[\\[  SKIPPED \\]]==]${disabled}")
    else()
      message(FATAL_ERROR "weave_add_tests(${weave_target}): ${weave_executable} answered "
        "--gtest_list_tests, but with a line that is not a GoogleTest listing:\n  ${line}")
    endif()
  endforeach()
  set(script "${script}" PARENT_SCOPE)
  set(count ${count} PARENT_SCOPE)
endfunction()

# Registers the cases of a Catch2 binary, given its --list-test-names-only output. Each test runs
# the binary with a test spec that selects exactly its case: the name in double quotes (so that a
# leading ~ is not an exclusion, nor a space after it dropped), with \ , [ ] " escaped by a backslash
# (Catch2 reads them as escapes, separators, tags and quotes even inside quotes). Catch2 v2 cannot
# select one case exactly when its name starts with `exclude:` or starts or ends with *.
function(_weave_catch2_tests listing)
  _weave_lines(lines "${listing}")
  foreach(line IN LISTS lines)
    _weave_restore(name "${line}")
    if(name STREQUAL "")
      continue()
    endif()
    # Catch2 quotes names that start with # in this listing.
    if(name MATCHES "^\"(#.*)\"$")
      set(name "${CMAKE_MATCH_1}")
    endif()
    set(spec "${name}")
    foreach(special "\\" "," "[" "]" "\"")
      string(REPLACE "${special}" "\\${special}" spec "${spec}")
    endforeach()
    set(spec "\"${spec}\"")
    _weave_bracket(spec "${spec}")
    _weave_add_test("${name}" "${spec}" "")
  endforeach()
  set(script "${script}" PARENT_SCOPE)
  set(count ${count} PARENT_SCOPE)
endfunction()

# Lists the binary's test cases and writes weave_tests_file.
function(_weave_write_tests_file)
  if(NOT EXISTS "${weave_executable}")
    message(FATAL_ERROR "weave_add_tests(${weave_target}): ${weave_executable} does not exist")
  endif()
  set(script "# The test cases of ${weave_target}, listed by weave_add_tests after its build.\n")
  set(count 0)
  # A test binary answers a listing at once: the timeout only stops one that ignores the option
  # and runs something else.
  set(list_options WORKING_DIRECTORY "${weave_working_directory}" TIMEOUT 120
    OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE status)
  execute_process(COMMAND "${weave_executable}" --gtest_list_tests ${list_options})
  if(status EQUAL 0)
    _weave_gtest_tests("${listing}")
  else()
    execute_process(COMMAND "${weave_executable}" --list-test-names-only ${list_options})
    # Catch2 exits with the number of cases it listed (modulo 256), so only a crash, a timeout
    # or an exit status with nothing listed means that it failed.
    if(NOT status MATCHES "^[0-9]+$" OR (listing STREQUAL "" AND NOT status EQUAL 0))
      message(FATAL_ERROR "weave_add_tests(${weave_target}): cannot list the tests of "
        "${weave_executable}: it is neither a GoogleTest nor a Catch2 (v2) test binary, or it "
        "failed (--list-test-names-only: ${status}):\n${listing}${errors}")
    endif()
    _weave_catch2_tests("${listing}")
  endif()
  if(count EQUAL 0)
    message(WARNING "weave_add_tests(${weave_target}): ${weave_executable} has no test cases")
  endif()
  file(WRITE "${weave_tests_file}" "${script}")
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  if(NOT WEAVE_SETTINGS)
    message(FATAL_ERROR "weaveAddTests.cmake: -D WEAVE_SETTINGS=<settings file> is required")
  endif()
  include("${WEAVE_SETTINGS}")
  _weave_write_tests_file()
endif()

cmake_policy(POP)
