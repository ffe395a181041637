"""Knowledge Flywheel throughput on the rules path, with a 10,000-session backlog.

    .venv/bin/python bench/flywheel_throughput.py

A throwaway database gets 10,000 synthetic sessions (generate_scale_data) whose resolved ones wait for
analysis; `analyze_pending()` then works the backlog with no LLM (rules build every proposal). Reported:
sessions analysed per second (target ≥ 50 on this 2-core machine), outcomes, and SQL queries per analysed
session (measured on a sample of 200).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup_django import setup

BACKLOG = 10_000


def main() -> int:
    setup("resolutionflow_bench_flywheel")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flowpilot.models import AISession
    from flowpilot.scale_data import generate
    from knowledge.flywheel.runner import analyze_pending
    from knowledge.models import FlowProposal

    with connection.cursor() as cursor:  # a throwaway database: TRUNCATE, not a row-by-row cascade
        cursor.execute("TRUNCATE flowpilot_aisessionstep, knowledge_flowproposal, flowpilot_aisession CASCADE")
    generate(BACKLOG, accounts=2, days=90, seed=3, force=True, pending_analysis=True)
    pending = AISession.objects.filter(analysis_status="pending").count()

    with CaptureQueriesContext(connection) as queries:
        sample = analyze_pending(limit=200)
    per_session = len(queries) / max(sample.total(), 1)

    started = time.perf_counter()
    results = analyze_pending()
    elapsed = time.perf_counter() - started
    done = results.total()
    rate = done / elapsed if elapsed else float("inf")
    print(f"backlog: {pending:,} pending analyses in {AISession.objects.count():,} sessions")
    print(f"analysed {done:,} more in {elapsed:.1f} s: {rate:.0f} sessions/s (after a 200-session sample)")
    print(f"outcomes: {dict(sample + results)}")
    print(f"proposals: {FlowProposal.objects.count():,}; SQL queries per analysed session: {per_session:.1f}")
    ok = rate >= 50
    print("target (≥ 50 sessions/s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
