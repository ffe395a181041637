"""Knowledge Flywheel throughput on the rules path, with a 10,000-session backlog.

    .venv/bin/python bench/flywheel_throughput.py [--backlog N]

A throwaway database gets synthetic sessions (flowpilot.scale_data, no test factories) whose resolved ones
wait for analysis; `analyze_pending()` then works the backlog with one runner and no LLM (rules build every
proposal). Reported: sessions analysed per second (target ≥ 100 on this 2-core machine), outcomes, SQL
queries per analysed session (on a 200-session sample), and where the time goes (claiming, loading and
preparing a batch with its one embedding call, analysing each session). The last line is
`RESULT flywheel_throughput sessions_per_s=<rate> target=100` for `make bench`.
"""

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup_django import setup

BACKLOG = 10_000
TARGET = 100


def timed(module, name: str, spent: dict) -> None:
    """Add the wall time of module.name's calls to spent[name]."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started

    setattr(module, name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backlog", type=int, default=BACKLOG, help="sessions generated (default 10,000)")
    args = parser.parse_args()
    setup("resolutionflow_bench_flywheel")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flowpilot import analysis_queue
    from flowpilot.models import AISession
    from flowpilot.scale_data import generate
    from knowledge.flywheel import analysis, proposals
    from knowledge.models import FlowProposal

    with connection.cursor() as cursor:  # a throwaway database: TRUNCATE, not a row-by-row cascade
        cursor.execute("TRUNCATE flowpilot_aisessionstep, knowledge_flowproposal, flowpilot_aisession CASCADE")
    generate(args.backlog, accounts=2, days=90, seed=3, force=True, pending_analysis=True)
    pending = AISession.objects.filter(analysis_status="pending").count()

    with CaptureQueriesContext(connection) as queries:
        sample = analysis_queue.analyze_pending(limit=200)
    per_session = len(queries) / max(sample.total(), 1)

    spent = defaultdict(float)
    timed(analysis_queue, "claim_pending_sessions", spent)
    timed(analysis_queue, "_load", spent)
    timed(proposals, "embed_texts", spent)
    timed(analysis, "plan_session", spent)
    timed(analysis_queue, "process", spent)
    started = time.perf_counter()
    results = analysis_queue.analyze_pending()
    elapsed = time.perf_counter() - started
    done = results.total()
    rate = done / elapsed if elapsed else float("inf")
    print(f"backlog: {pending:,} pending analyses in {AISession.objects.count():,} sessions")
    print(f"analysed {done:,} more in {elapsed:.1f} s: {rate:.0f} sessions/s (after a 200-session sample)")
    print(f"outcomes: {dict(sample + results)}")
    print(f"proposals: {FlowProposal.objects.count():,}; SQL queries per analysed session: {per_session:.1f}")
    per = 1000 / max(done, 1)
    print(
        "ms per session: "
        f"claim {spent['claim_pending_sessions'] * per:.2f}, "
        f"load+prepare batch {spent['_load'] * per:.2f} "
        f"(of which rules+builder {spent['plan_session'] * per:.2f}, embedding {spent['embed_texts'] * per:.2f}), "
        f"analyse+record {spent['process'] * per:.2f}"
    )
    print(f"target (≥ {TARGET} sessions/s):", "met" if rate >= TARGET else "NOT met")
    print(f"RESULT flywheel_throughput sessions_per_s={rate:.1f} target={TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
