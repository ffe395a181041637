"""Answering a session step, server side, with 100,000 sessions in the database.

    .venv/bin/python bench/session_steps.py             # builds the data once (generate_scale_data), then measures
    .venv/bin/python bench/session_steps.py --sessions 200000

Each answer is a real `POST /api/v1/ai-sessions/{id}/steps` through Django's full stack in-process (middleware,
token auth, DRF, the engine, the response), timed around the request: that is the server time. Two paths:
guided (an option of a flow question, leading to the next node) and capture (a check and its finding).
Target: p95 ≤ 20 ms for both. The SQL queries of one answer of each kind are counted and printed too
(flowpilot/tests/test_answer_queries.py holds them to a ceiling).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup_django import fresh_token, percentile, setup

ROUNDS = 60
TARGET_P95_MS = 20


def ensure_data(sessions: int) -> None:
    from flowpilot.models import AISession
    from flowpilot.scale_data import generate

    have = AISession.objects.count()
    if have < sessions:
        started = time.monotonic()
        generate(sessions - have, accounts=4, days=365, seed=have + 1, force=True)
        print(f"generated {sessions - have:,} sessions in {time.monotonic() - started:.0f} s")


def measure() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from flowpilot import engine
    from flowpilot.models import AISession, AISessionStep
    from knowledge.models import Tree
    from resolutionflow.models import Account

    account = Account.objects.get(slug="scale-0")
    engineer = account.users.filter(role="engineer").first()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {fresh_token(engineer)}")
    flow = Tree.objects.for_account(account).get(slug="ad-account-lockout")
    guided_intake = f"{flow.name}. {flow.description}"

    def timed_post(session_id, body):
        started = time.perf_counter()
        response = client.post(f"/api/v1/ai-sessions/{session_id}/steps", body, format="json")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content[:300]
        return elapsed, response.json()["current_step"]

    def counted_post(session_id, body) -> int:
        with CaptureQueriesContext(connection) as queries:
            timed_post(session_id, body)
        return len(queries)

    session = engine.start_session(engineer, guided_intake)
    guided_queries = counted_post(session.pk, {"selected_option": engine.current_step(session).options[0]})
    session = engine.start_session(engineer, "Label printer in the warehouse prints garbage", prefer_capture=True)
    capture_queries = counted_post(session.pk, {"free_text": "Checked the driver", "result": "Generic driver"})

    guided, capture = [], []
    for _ in range(ROUNDS):
        session = engine.start_session(engineer, guided_intake)
        assert session.confidence_tier == "guided", session.confidence_tier
        step = engine.current_step(session)
        elapsed, _ = timed_post(session.pk, {"selected_option": step.options[0]})
        guided.append(elapsed)
        session = engine.start_session(engineer, "Label printer in the warehouse prints garbage", prefer_capture=True)
        for n in range(2):
            elapsed, _ = timed_post(session.pk, {"free_text": f"Checked thing {n}", "result": "Found something"})
            capture.append(elapsed)
    print(f"sessions in the database: {AISession.objects.count():,}; steps: {AISessionStep.objects.count():,}")
    kinds = (("guided answer ", guided, guided_queries), ("capture answer", capture, capture_queries))
    for label, timings, queries in kinds:
        print(
            f"{label} ({len(timings)}): p50 {percentile(timings, 50):.1f} ms   p95 {percentile(timings, 95):.1f} ms"
            f"   {queries} SQL queries (BEGIN/COMMIT included)"
        )
    print(f"RESULT session_step_guided_p95 ms={percentile(guided, 95):.1f} target=<={TARGET_P95_MS}")
    print(f"RESULT session_step_capture_p95 ms={percentile(capture, 95):.1f} target=<={TARGET_P95_MS}")
    ok = percentile(guided, 95) <= TARGET_P95_MS and percentile(capture, 95) <= TARGET_P95_MS
    print(f"target (p95 ≤ {TARGET_P95_MS} ms for both):", "met" if ok else "NOT met")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100_000)
    args = parser.parse_args()
    setup("resolutionflow_bench_sessions")
    ensure_data(args.sessions)
    return measure()


if __name__ == "__main__":
    raise SystemExit(main())
