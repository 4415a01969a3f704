#!/usr/bin/env bash
# tools/quickstart.sh — install what is missing, build weave, and run the main job.
#
#   bash tools/quickstart.sh      from any directory; safe to run again (incremental)
#
# The main job: run weave's checker over the buggy examples (examples/bugs/); each report ends
# with the command that replays the failing schedule. Arguments go to example_bugs
# (NAME, or NAME --fixed).
# Uses the same dependencies and build directory as tools/test.sh.
set -euo pipefail

# shellcheck source=tools/test.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/test.sh"

weave_install_deps
weave_build

build="${WEAVE_BUILD_DIR:-$WEAVE_ROOT/build}"
# Failing schedules go to one known place, so the printed replay commands work from anywhere.
export WEAVE_ARTIFACTS="${WEAVE_ARTIFACTS:-$build/weave-failures}"
# The main job: the checker finds the bug in each buggy example and prints how to replay it.
exec "$build/examples/example_bugs" "$@"
