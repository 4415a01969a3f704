# The build-time half of weave_add_tests (cmake/weaveAddTests.cmake) on listings it must parse
# and on a binary it must reject (cmake -P; driven by ctest).
#   cmake -D MODULE=<weaveAddTests.cmake> -D WORK=<scratch dir> -P discovery_test.cmake
cmake_minimum_required(VERSION 3.25)
include("${MODULE}")

function(expect_equal what actual expected)
  if(NOT actual STREQUAL expected)
    message(FATAL_ERROR "${what}:\n${actual}\ninstead of\n${expected}")
  endif()
endfunction()

# A bracket argument holds any value, whatever closing brackets it contains.
foreach(value "plain" "semi;colon and back\\slash" "]=]" "ends with ]=" "]" "]==] and ]=]" "\${x} \"q\"" "")
  _weave_bracket(quoted "${value}")
  cmake_language(EVAL CODE "set(round_trip ${quoted})")
  expect_equal("_weave_bracket round trip" "${round_trip}" "${value}")
endforeach()

set(weave_target demo)
set(weave_executable "/bin/demo tests")
set(weave_working_directory "/work dir")
set(weave_test_prefix "p: ")
set(weave_test_properties " LABELS [=[weave]=]")

# GoogleTest: gtest_main's banner, typed and value-parameterised cases (their comments dropped),
# DISABLED_ suites and cases registered disabled.
set(script "")
set(count 0)
_weave_gtest_tests([[Running main() from ./googletest/src/gtest_main.cc
Suite.
  Plain
  DISABLED_Off
DISABLED_Later.
  On
Typed/0.  # TypeParam = std::vector<int>
  Works
Values/Param.
  Case/0  # GetParam() = "a;b]"
]])
set(gtest_properties "SKIP_REGULAR_EXPRESSION [==[\\[  SKIPPED \\]]==]")
expect_equal("GoogleTest listing" "${count}/${script}" "5/\
add_test([=[p: Suite.Plain]=] [=[/bin/demo tests]=] --gtest_filter=Suite.Plain)
set_tests_properties([=[p: Suite.Plain]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] ${gtest_properties} LABELS [=[weave]=])
add_test([=[p: Suite.DISABLED_Off]=] [=[/bin/demo tests]=] --gtest_filter=Suite.DISABLED_Off --gtest_also_run_disabled_tests)
set_tests_properties([=[p: Suite.DISABLED_Off]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] ${gtest_properties} DISABLED TRUE LABELS [=[weave]=])
add_test([=[p: DISABLED_Later.On]=] [=[/bin/demo tests]=] --gtest_filter=DISABLED_Later.On --gtest_also_run_disabled_tests)
set_tests_properties([=[p: DISABLED_Later.On]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] ${gtest_properties} DISABLED TRUE LABELS [=[weave]=])
add_test([=[p: Typed/0.Works]=] [=[/bin/demo tests]=] --gtest_filter=Typed/0.Works)
set_tests_properties([=[p: Typed/0.Works]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] ${gtest_properties} LABELS [=[weave]=])
add_test([=[p: Values/Param.Case/0]=] [=[/bin/demo tests]=] --gtest_filter=Values/Param.Case/0)
set_tests_properties([=[p: Values/Param.Case/0]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] ${gtest_properties} LABELS [=[weave]=])
")

# Catch2: each name becomes an exact, quoted test spec; `#` names come quoted in the listing.
set(script "")
set(count 0)
_weave_catch2_tests([==[plain
with, comma [and] tag
back\slash;semi
~ tilde
"quoted" first
"#hash"
]=]
]==])
expect_equal("Catch2 listing" "${count}/${script}" [==========[7/add_test([=[p: plain]=] [=[/bin/demo tests]=] [=["plain"]=])
set_tests_properties([=[p: plain]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] LABELS [=[weave]=])
add_test([=[p: with, comma [and] tag]=] [=[/bin/demo tests]=] [=["with\, comma \[and\] tag"]=])
set_tests_properties([=[p: with, comma [and] tag]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] LABELS [=[weave]=])
add_test([=[p: back\slash;semi]=] [=[/bin/demo tests]=] [=["back\\slash;semi"]=])
set_tests_properties([=[p: back\slash;semi]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] LABELS [=[weave]=])
add_test([=[p: ~ tilde]=] [=[/bin/demo tests]=] [=["~ tilde"]=])
set_tests_properties([=[p: ~ tilde]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] LABELS [=[weave]=])
add_test([=[p: "quoted" first]=] [=[/bin/demo tests]=] [=["\"quoted\" first"]=])
set_tests_properties([=[p: "quoted" first]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] LABELS [=[weave]=])
add_test([=[p: #hash]=] [=[/bin/demo tests]=] [=["#hash"]=])
set_tests_properties([=[p: #hash]=] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] LABELS [=[weave]=])
add_test([==[p: ]=]]==] [=[/bin/demo tests]=] [=["\]=\]"]=])
set_tests_properties([==[p: ]=]]==] PROPERTIES WORKING_DIRECTORY [=[/work dir]=] LABELS [=[weave]=])
]==========])

# A binary that answers --gtest_list_tests with something else is refused, and the build fails.
file(MAKE_DIRECTORY "${WORK}")
find_program(echo echo REQUIRED)
file(WRITE "${WORK}/settings.cmake"
  "set(weave_target echoer)\n"
  "set(weave_executable [[${echo}]])\n"
  "set(weave_working_directory [[${WORK}]])\n"
  "set(weave_test_prefix \"\")\n"
  "set(weave_test_properties \"\")\n"
  "set(weave_tests_file [[${WORK}/tests.cmake]])\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -D "WEAVE_SETTINGS=${WORK}/settings.cmake" -P "${MODULE}"
  RESULT_VARIABLE status ERROR_VARIABLE errors)
string(REGEX REPLACE "[ \n]+" " " errors "${errors}")  # (CMake wraps long messages)
if(status EQUAL 0 OR NOT errors MATCHES "answered --gtest_list_tests, but with a line that is not")
  message(FATAL_ERROR "weaveAddTests.cmake accepted ${echo} as a test binary (${status}):\n${errors}")
endif()
message(STATUS "discovery_test.cmake: all checks passed")
