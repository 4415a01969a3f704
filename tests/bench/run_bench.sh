#!/usr/bin/env bash
# tests/bench/run_bench.sh — build weave's benchmarks in Release, run them, print the ratios.
#
#   bash tests/bench/run_bench.sh [--check] [BENCHMARK-FLAGS...]
#
# Every program runs 9 repetitions (aggregates only) of each benchmark, the repetitions of weave
# and of its baseline interleaved in random order so that both meet the same machine (it is
# shared: a load that comes and goes would otherwise fall on one side only). The table gives, per
# case, the median time of weave and of its standard-library baseline and weave/baseline.
# --check: exit 1 when a ratio misses its target. Other flags go to every program (e.g.
# --benchmark_filter=Queue).
# Environment: WEAVE_BENCH_BUILD_DIR (default <repo>/build-bench), WEAVE_JOBS (default: CPUs).
# JSON results are left in $WEAVE_BENCH_BUILD_DIR/bench-results/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if ! command -v python3 >/dev/null 2>&1; then
  echo "run_bench.sh: python3 is needed for the table (apt-get install -y python3)" >&2
  exit 1
fi
build="${WEAVE_BENCH_BUILD_DIR:-$root/build-bench}"
table_args=()
bench_args=()
for arg in "$@"; do
  if [[ "$arg" == "--check" ]]; then table_args+=(--check); else bench_args+=("$arg"); fi
done

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEAVE_BUILD_BENCHMARKS=ON \
  -DWEAVE_BUILD_TESTS=OFF -DWEAVE_BUILD_EXAMPLES=OFF -DWEAVE_SANITIZE= -DWEAVE_WERROR=OFF
cmake --build "$build" -j "${WEAVE_JOBS:-$(nproc)}" --target weave_benchmarks

results="$build/bench-results"
rm -rf "$results"
mkdir -p "$results"
shopt -s nullglob
for program in "$build"/tests/bench/bench_*; do
  [[ -f "$program" && -x "$program" ]] || continue
  name="$(basename "$program")"
  echo "==== $name ===="
  "$program" --benchmark_repetitions=9 --benchmark_enable_random_interleaving=true \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="$results/$name.json" --benchmark_out_format=json "${bench_args[@]}"
done

echo
python3 "$root/tests/bench/bench_table.py" "${table_args[@]}" "$results"/*.json
