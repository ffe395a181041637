"""The demo's flows read as last matched when their latest demo session started, not when the demo ran."""

from datetime import timedelta

from django.utils import timezone

from flowpilot import demo as flowpilot_demo
from flowpilot.models import AISession
from knowledge.models import Tree
from knowledge.starter import import_starter_library
from resolutionflow.demo import seed_accounts

# A few starter flows the demo's intakes name (the whole library takes a minute to embed), and one no intake
# names, so that some flows are never matched.
FLOWS = {
    "ad-account-lockout",
    "exchange-outlook-password-prompts",
    "printing-printer-offline",
    "vpn-cannot-connect",
    "backup-job-failed",
    "hardware-dock-monitors",
    "lob-quickbooks-multi-user",
}


def start_matches(account) -> dict:
    """Each flow's latest session start, by the flow matched at the start (the best candidate unless the tier
    is discovery: the engine's rule); a later switch to another flow is no new match."""
    latest = {}
    for session in AISession.objects.for_account(account).exclude(confidence_tier="discovery"):
        flow_id = session.candidate_matches[0]["flow_id"]
        latest[flow_id] = max(session.created_at, latest.get(flow_id, session.created_at))
    return latest


def test_each_flow_was_last_matched_when_its_latest_demo_session_started(db, monkeypatch):
    monkeypatch.setattr(flowpilot_demo, "DAYS", 10)
    northwind = seed_accounts()["northwind"]
    import_starter_library(northwind, None, slugs=FLOWS)

    flowpilot_demo.seed({"northwind": northwind})

    flows = Tree.objects.for_account(northwind)
    expected = start_matches(northwind)
    assert expected and {str(f.pk): f.last_matched_at for f in flows.filter(last_matched_at__isnull=False)} == expected
    latest_start = AISession.objects.for_account(northwind).latest("created_at").created_at
    assert latest_start < timezone.now() - timedelta(hours=12)  # nothing reads "minutes ago"
    never = flows.filter(times_matched=0)
    assert never.exists() and not never.filter(last_matched_at__isnull=False).exists()
    assert not flows.filter(times_matched__gt=0, last_matched_at__isnull=True).exists()
