# Builds the consumer project against weave one way and runs it (cmake -P; driven by ctest).
#   -DMODE=find_package     configure, build and install weave from SOURCE into WORK/prefix,
#                           then build the consumer with find_package(weave)
#   -DMODE=add_subdirectory build the consumer with weave vendored from SOURCE
# Other inputs: SOURCE (weave's source dir), WORK (a scratch dir, kept for fast reruns),
# GENERATOR, CXX (the compiler), JOBS.
cmake_minimum_required(VERSION 3.25)

foreach(var MODE SOURCE WORK GENERATOR CXX JOBS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

set(consumer_src ${CMAKE_CURRENT_LIST_DIR}/consumer)
set(common -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX})

function(run)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "install test: ${shown}")
  execute_process(COMMAND ${ARGN} COMMAND_ERROR_IS_FATAL ANY)
endfunction()

if(MODE STREQUAL "find_package")
  set(prefix ${WORK}/prefix)
  file(REMOVE_RECURSE ${prefix})
  run(${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/weave-build ${common}
      -DWEAVE_BUILD_TESTS=OFF -DWEAVE_BUILD_EXAMPLES=OFF -DWEAVE_BUILD_BENCHMARKS=OFF
      -DWEAVE_WERROR=OFF
      -DCMAKE_INSTALL_PREFIX=${prefix})
  run(${CMAKE_COMMAND} --build ${WORK}/weave-build -j ${JOBS})
  run(${CMAKE_COMMAND} --install ${WORK}/weave-build)
  # The command-line tool is installed and runs.
  run(${prefix}/bin/weave --help)
  # Nothing may point back into the source or build tree.
  file(GLOB_RECURSE cmake_files ${prefix}/*.cmake)
  foreach(f ${cmake_files})
    file(READ ${f} text)
    foreach(tree ${SOURCE} ${WORK}/weave-build)
      string(FIND "${text}" "${tree}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "install test: ${f} refers to ${tree}")
      endif()
    endforeach()
  endforeach()
  run(${CMAKE_COMMAND} -S ${consumer_src} -B ${WORK}/consumer-build ${common}
      -DCMAKE_PREFIX_PATH=${prefix})
elseif(MODE STREQUAL "add_subdirectory")
  run(${CMAKE_COMMAND} -S ${consumer_src} -B ${WORK}/consumer-build ${common}
      -DWEAVE_SOURCE_DIR=${SOURCE})
else()
  message(FATAL_ERROR "run_consumer.cmake: unknown MODE '${MODE}'")
endif()

run(${CMAKE_COMMAND} --build ${WORK}/consumer-build -j ${JOBS})
run(${WORK}/consumer-build/consumer)
run(${WORK}/consumer-build/consumer_check)
# weave_add_tests registered each test case of the two test binaries, and they pass.
run(${CMAKE_COMMAND} -D CTEST=${CMAKE_CTEST_COMMAND} -D BUILD=${WORK}/consumer-build
    -D DIR=${WORK}/consumer-build -D EXPECTED=${consumer_src}/expected_tests.txt
    -P ${SOURCE}/tests/add_tests/check_tests.cmake)
run(${CMAKE_CTEST_COMMAND} --test-dir ${WORK}/consumer-build -L weave --output-on-failure)
