#!/usr/bin/env bash
# tools/quickstart.sh — install what is missing, build weave, and run the main job.
#
#   bash tools/quickstart.sh      from any directory; safe to run again (incremental)
#
# The main job, for now: run every example program, each under a header line.
# Uses the same dependencies and build directory as tools/test.sh.
set -euo pipefail

# shellcheck source=tools/test.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/test.sh"

weave_install_deps
weave_build

build="${WEAVE_BUILD_DIR:-$WEAVE_ROOT/build}"
# Failing schedules go to one known place, so the printed replay commands work from anywhere.
export WEAVE_ARTIFACTS="${WEAVE_ARTIFACTS:-$build/weave-failures}"
shopt -s nullglob
programs=("$build"/examples/example_*)
if [[ ${#programs[@]} -eq 0 ]]; then
  echo "weave: no example programs were built"
  exit 0
fi
status=0
for program in "${programs[@]}"; do
  [[ -f "$program" && -x "$program" ]] || continue
  echo "==== $(basename "$program") ===="
  "$program" || { echo "==== $(basename "$program") failed (exit $?) ===="; status=1; }
done
exit "$status"
