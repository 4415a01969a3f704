#!/usr/bin/env bash
# tools/test.sh — build weave and run every test.
#
#   bash tools/test.sh            from any directory; safe to run again (incremental)
#
# Installs the Debian packages weave needs when some are missing (as root, or through sudo),
# configures build/ with warnings as errors, builds everything (tests, examples, benchmarks) and
# runs ctest; the exit status is ctest's.
# Environment: WEAVE_BUILD_DIR (default <repo>/build), WEAVE_JOBS (default: number of CPUs).
#
# tools/quickstart.sh sources this file for weave_install_deps and weave_build.
set -euo pipefail

WEAVE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEAVE_DEPS=(cmake ninja-build g++ catch2 libgtest-dev libboost-context-dev libfmt-dev libbenchmark-dev)

# Installs whichever of WEAVE_DEPS is missing (Debian/Ubuntu); does nothing when all are there.
weave_install_deps() {
  if ! command -v dpkg >/dev/null 2>&1; then
    echo "weave: not a Debian system; make sure these are installed: ${WEAVE_DEPS[*]}" >&2
    return 0
  fi
  local missing=() pkg
  for pkg in "${WEAVE_DEPS[@]}"; do
    # (dpkg -s also succeeds for a removed package whose config files remain: check the status)
    dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "weave: installing ${missing[*]}"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "weave: missing packages; as root run: apt-get install -y ${missing[*]}" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${missing[@]}" </dev/null
}

# Configures and builds the main build directory (tests, examples and benchmarks included).
weave_build() {
  local build="${WEAVE_BUILD_DIR:-$WEAVE_ROOT/build}"
  cmake -S "$WEAVE_ROOT" -B "$build" -G Ninja -DWEAVE_WERROR=ON -DWEAVE_BUILD_BENCHMARKS=ON
  cmake --build "$build" -j "${WEAVE_JOBS:-$(nproc)}"
}

weave_test_main() {
  weave_install_deps
  weave_build
  cd "${WEAVE_BUILD_DIR:-$WEAVE_ROOT/build}"
  ctest --output-on-failure -j2
}

# (exit at once: bash reads a script as it runs, so an edit made meanwhile cannot break the end)
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  weave_test_main "$@"
  exit
fi
