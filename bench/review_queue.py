"""The Review Queue with 10,000 proposals: the list page and the list API, server time.

    .venv/bin/python bench/review_queue.py

A throwaway database gets one account with 10,000 proposals (bulk_create, every one from the same source
session; new flows and enhancements, six statuses, five domains). Each request goes through Django's full
stack in-process (middleware, session or token auth, the view, the template or the serializer), timed
around the call: that is the server time. Measured, 100 requests each after 10 warm-up requests:
  - the queue page, GET /review/ (a team admin, the Pending tab, the first page of cards), and the same page
    with a proposal open beside the list (?proposal=<id>, an enhancement: its diff is drawn);
  - the list API, GET /api/v1/flow-proposals?status=pending.
Target: p95 ≤ 150 ms for each.

The benches run with DEBUG off, where the settings use whitenoise's manifest storage, which needs
`collectstatic` to have run. The bench renders pages with the plain StaticFilesStorage instead
(override_settings), so `{% static %}` resolves without a manifest: no collected files are needed.
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup_django import fresh_token, percentile, setup

PROPOSALS = 10_000
WARM_UP = 10
ROUNDS = 100
TARGET_MS = 150
DOMAINS = ["printing", "active_directory", "vpn", "m365", "networking"]
# Mostly pending, as a busy queue is: the page's first tab is the one that matters.
STATUSES = ["pending"] * 6 + ["approved", "modified", "rejected", "dismissed", "auto_reinforced"]


def simple_tree(prefix: str, options=("Yes", "No")) -> dict:
    """A question with one solution per option (the bench's own: benches never import test factories)."""
    return {
        "id": f"{prefix}-root",
        "type": "question",
        "question": "Is the print queue stalled?",
        "children": [
            {"id": f"{prefix}-{i}", "label": label, "type": "solution", "resolution": f"Resolution for {label}."}
            for i, label in enumerate(options)
        ],
    }


def envelope(name: str, tree_structure: dict) -> dict:
    return {
        "name": name,
        "description": "Blank output",
        "tree_type": "troubleshooting",
        "problem_domain": "printing",
        "match_keywords": ["plotter"],
        "tree_structure": tree_structure,
    }


def build_data():
    from django.db import connection

    from flowpilot.models import AISession
    from knowledge import services
    from knowledge.models import FlowProposal
    from resolutionflow.models import Account, Role, Team, User

    with connection.cursor() as cursor:  # a throwaway database: TRUNCATE, not a row-by-row cascade
        cursor.execute("TRUNCATE knowledge_flowproposal, flowpilot_aisessionstep, flowpilot_aisession CASCADE")
    Account.objects.filter(slug="bench-review").delete()  # a rerun starts from scratch
    User.objects.filter(email__endswith="@bench-review.test").delete()
    account = Account.objects.create(name="Bench Review MSP", slug="bench-review")
    team = Team.objects.create(account=account, name="Service Desk")
    admin = User.objects.create_user(
        "lead@bench-review.test", None, full_name="Bench Lead", account=account, team=team, role=Role.TEAM_ADMIN
    )
    engineer = User.objects.create_user(
        "eng@bench-review.test", None, full_name="Bench Engineer", account=account, team=team, role=Role.ENGINEER
    )
    session = AISession.objects.create(
        account=account,
        engineer=engineer,
        team=team,
        intake_content={"text": "Printer offline on floor 2"},
        problem_summary="Printer offline on floor 2",
        problem_domain="printing",
        status="resolved",
        confidence_tier="discovery",
        resolution_summary="Restarted the spooler",
    )
    targets = [
        services.create_flow(
            account,
            author=admin,
            data=envelope(f"Bench flow {i}", tree_structure=simple_tree(prefix=f"f{i}")),
            team=team,
            publish=True,
        )
        for i in range(5)
    ]
    rng = random.Random(7)
    rows = []
    for i in range(PROPOSALS):
        target = targets[i % len(targets)] if i % 3 == 0 else None
        # An enhancement keeps the target's node ids and adds an option; a new flow has its own ids.
        prefix = f"f{i % len(targets)}" if target else f"p{i}"
        data = envelope(f"Proposal {i}", tree_structure=simple_tree(prefix=prefix, options=("Yes", "No", "Other")))
        rows.append(
            FlowProposal(
                account=account,
                team=team,
                source_session=session,
                proposal_type="enhancement" if target else "new_flow",
                target_flow=target,
                target_flow_version=target.version if target else None,
                title=f"Proposal {i}: printer queue stalls after driver update",
                description="Built from a capture session.",
                proposed_flow_data=data,
                confidence_score=rng.random(),
                supporting_session_count=rng.randint(1, 12),
                supporting_session_ids=[str(session.pk)],
                problem_domain=DOMAINS[i % len(DOMAINS)],
                status=STATUSES[i % len(STATUSES)],
            )
        )
    FlowProposal.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE knowledge_flowproposal")
    return admin


def timed(get, url: str) -> list[float]:
    timings = []
    for round_number in range(WARM_UP + ROUNDS):
        started = time.perf_counter()
        response = get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        if round_number >= WARM_UP:
            timings.append(elapsed)
    return timings


def measure(admin) -> int:
    from django.test import Client, override_settings
    from rest_framework.test import APIClient

    from knowledge.models import FlowProposal

    page = Client()
    page.force_login(admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {fresh_token(admin)}")
    enhancement = FlowProposal.objects.filter(account=admin.account, status="pending", proposal_type="enhancement")
    opened = enhancement.order_by("-created_at").first()

    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        results = {
            "queue page         ": timed(page.get, "/review/"),
            "queue page, opened ": timed(page.get, f"/review/?proposal={opened.pk}"),
            "list API           ": timed(api.get, "/api/v1/flow-proposals?status=pending"),
        }
    print(f"proposals in the account: {FlowProposal.objects.filter(account=admin.account).count():,}")
    for label, timings in results.items():
        print(f"{label} ({len(timings)}): p50 {percentile(timings, 50):.1f} ms   p95 {percentile(timings, 95):.1f} ms")
    for label, timings in results.items():
        name = "review_" + "_".join(label.replace(",", "").split())
        print(f"RESULT {name}_p95 ms={percentile(timings, 95):.1f} target=<={TARGET_MS}")
    ok = all(percentile(timings, 95) <= TARGET_MS for timings in results.values())
    print(f"target (p95 ≤ {TARGET_MS} ms for each):", "met" if ok else "NOT met")
    return 0 if ok else 1


def main() -> int:
    setup("resolutionflow_bench_review")
    return measure(build_data())


if __name__ == "__main__":
    raise SystemExit(main())
