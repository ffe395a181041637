"""Run every bench and print one table: bench, figure, target, met or not (`make bench`).

    .venv/bin/python bench/run_all.py           # analytics at 100,000 sessions
    .venv/bin/python bench/run_all.py --full    # analytics at 1,000,000 sessions (`make bench FULL=1`)
    .venv/bin/python bench/run_all.py --only matching_speed session_steps

Each bench runs in its own process with its own throwaway database under `.data/pg-bench` (built on the
first run, then kept), its output is streamed as it comes and kept in `.data/bench-logs/<bench>.log`. A
bench reports each figure as one line

    RESULT <name> <metric>=<value> target=<op><number>

where `<op>` is `<=` or `>=` (a bare number is a minimum, except for a time in `ms` or `s`, a maximum).
Exit status: 0 when every figure meets its target, 1 otherwise (a bench that fails or reports nothing
counts as not met).
"""

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".data" / "bench-logs"
ANALYTICS_SESSIONS = 100_000
ANALYTICS_SESSIONS_FULL = 1_000_000

RESULT = re.compile(r"^RESULT (?P<name>\S+) (?P<metric>[\w.]+)=(?P<value>\S+) target=(?P<target>\S+)\s*$")
TARGET = re.compile(r"^(?P<op><=|>=|<|>|=)?(?P<number>-?[\d.]+)$")
TIME_METRICS = {"ms", "s", "seconds"}


@dataclass(frozen=True)
class Result:
    bench: str
    name: str
    metric: str
    value: str
    target: str

    @property
    def met(self) -> bool:
        return meets(self.metric, self.value, self.target)


def meets(metric: str, value: str, target: str) -> bool:
    parsed = TARGET.match(target)
    try:
        number = float(value)
    except ValueError:
        return False
    if parsed is None:
        return False
    goal = float(parsed["number"])
    op = parsed["op"] or ("<=" if metric in TIME_METRICS else ">=")
    return {
        "<=": number <= goal,
        ">=": number >= goal,
        "<": number < goal,
        ">": number > goal,
        "=": number == goal,
    }[op]


def benches(full: bool) -> list[tuple[str, list[str]]]:
    """(name, arguments) of every bench, quickest first."""
    analytics = ANALYTICS_SESSIONS_FULL if full else ANALYTICS_SESSIONS
    return [
        ("merge_threshold", []),
        ("matching_accuracy", []),
        ("knowledge_quality", []),
        ("script_generation", []),
        ("review_queue", []),
        ("matching_speed", []),
        ("session_steps", []),
        ("flywheel_throughput", []),
        ("psa_resolve", []),
        ("psa_sender", []),
        ("analytics_scale", ["--sessions", str(analytics)]),
    ]


def run(name: str, arguments: list[str]) -> tuple[list[Result], int, float]:
    LOGS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(ROOT / "bench" / f"{name}.py"), *arguments]
    started = time.monotonic()
    results = []
    with open(LOGS / f"{name}.log", "w") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        for line in process.stdout:
            log.write(line)
            print(f"  {line}", end="", flush=True)
            found = RESULT.match(line.strip())
            if found:
                results.append(Result(name, found["name"], found["metric"], found["value"], found["target"]))
        status = process.wait()
    return results, status, time.monotonic() - started


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="analytics at 1,000,000 sessions")
    parser.add_argument("--only", nargs="+", metavar="BENCH", help="run only these benches")
    args = parser.parse_args()
    selected = [(name, arguments) for name, arguments in benches(args.full) if not args.only or name in args.only]
    rows = [["bench", "figure", "value", "target", "met"]]
    all_met = True
    timings = []
    for name, arguments in selected:
        print(f"== {name} {' '.join(arguments)}".rstrip(), flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "settle.py")], cwd=ROOT, check=False)
        results, status, elapsed = run(name, arguments)
        timings.append(f"{name} {elapsed:.0f} s")
        for result in results:
            rows.append(
                [name, result.name, f"{result.value} {result.metric}", result.target, "yes" if result.met else "NO"]
            )
            all_met &= result.met
        if not results:
            rows.append([name, "(no RESULT line)", "-", "-", "NO"])
            all_met = False
        if status != 0 and all(result.met for result in results) and results:
            # Every figure met but the bench failed a check of its own (a plan, a property): say so.
            rows.append([name, f"(exit status {status})", "-", "-", "NO"])
            all_met = False
    print()
    print(table(rows))
    print()
    print("time: " + ", ".join(timings))
    print("every target met" if all_met else "some targets NOT met")
    return 0 if all_met else 1


if __name__ == "__main__":
    raise SystemExit(main())
