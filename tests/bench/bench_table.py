#!/usr/bin/env python3
"""Prints weave/baseline ratios from Google Benchmark JSON files (standard library only).

usage: bench_table.py [--check] RESULT.json...

Reads benchmarks named "<case>/<role>" (role: weave, baseline or info; see bench_main.hpp) run
with --benchmark_repetitions and --benchmark_report_aggregates_only, and prints one markdown row
per case: the median time of weave and of its baseline, their ratio and the target. Benchmarks
timed on the wall clock (".../real_time") compare real time, the others CPU time.
With --check, exits 1 when a ratio misses its target.
"""
import json
import sys

# The most weave may cost relative to its baseline, at the median; cases not listed: DEFAULT.
# Lockdep: an acquisition under 10,000 held locks against one under 10 (about 1.4 measured: the
# shallow one skips the graph more often, and 10,000 locks' bookkeeping leaves the caches).
TARGETS = {"Queue": 1.25, "Executor": 1.25, "Lockdep": 2.0}
DEFAULT_TARGET = 1.10


def target_for(case):
    for prefix, target in TARGETS.items():
        if case.startswith(prefix):
            return target
    return DEFAULT_TARGET


def load(paths):
    """{case: {role: (median ns, cv, label, clock)}} in the order first seen."""
    cases = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        stats = {}
        for bench in data.get("benchmarks", []):
            if bench.get("run_type") != "aggregate":
                continue
            name = bench["run_name"]
            clock = "cpu_time"
            if name.endswith("/real_time"):
                name, clock = name[: -len("/real_time")], "real_time"
            entry = stats.setdefault(name, {"label": bench.get("label", ""), "clock": clock})
            scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[bench.get("time_unit", "ns")]
            if bench["aggregate_name"] == "median":
                entry["median"] = bench[clock] * scale
            elif bench["aggregate_name"] == "cv":
                entry["cv"] = bench[clock]
        for name, entry in stats.items():
            case, _, role = name.rpartition("/")
            if not case or "median" not in entry:
                continue
            cases.setdefault(case, {})[role] = (
                entry["median"], entry.get("cv"), entry["label"], entry["clock"])
    return cases


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def cell(result):
    median, cv, label, _ = result
    spread = f" ±{cv * 100:.0f}%" if cv is not None else ""
    return f"{fmt_time(median)}{spread} {label}".strip()


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    cases = load(paths)
    missed = []
    print("| case | clock | weave (median ±cv) | baseline (median ±cv) | weave/baseline | target |")
    print("|---|---|---|---|---|---|")
    for case, roles in cases.items():
        weave, base = roles.get("weave"), roles.get("baseline")
        if weave is None or base is None:
            continue
        ratio = weave[0] / base[0]
        target = target_for(case)
        verdict = "ok" if ratio <= target else "MISS"
        if verdict == "MISS":
            missed.append(case)
        clock = "wall" if weave[3] == "real_time" else "cpu"
        print(f"| {case} | {clock} | {cell(weave)} | {cell(base)} | {ratio:.2f} "
              f"| ≤ {target:.2f} {verdict} |")
        if "info" in roles:
            info = roles["info"]
            print(f"| {case} (info) | {clock} | | {cell(info)} | {weave[0] / info[0]:.2f} | |")
    if missed:
        print(f"\nmissed target: {', '.join(missed)}")
    return 1 if check and missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
