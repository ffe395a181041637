"""How a picked-up session counts on the dashboard: still escalated (escalated_sessions, its domain's escalation
rate, the high_escalation gap), once among closed sessions, its MTTR from its start to the final resolve, and
the escalations picked up with their time to pick-up. On a hand-computed fixture."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import gaps, metrics
from flowpilot import engine, escalations, rollups
from flowpilot.models import AISession, SessionHandoff
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from resolutionflow.models import Role
from resolutionflow.tests.factories import UserFactory


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


@pytest.fixture
def sam(northwind, service_desk):
    return UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)


def at(session, *, created, escalated=None, picked_up=None, resolved=None, abandoned=None):
    """Move a session's moments (and its hand-off's) as if it had run then."""
    AISession.objects.filter(pk=session.pk).update(
        created_at=created, escalated_at=escalated, resolved_at=resolved, abandoned_at=abandoned
    )
    SessionHandoff.objects.filter(session_id=session.pk).update(escalated_at=escalated, picked_up_at=picked_up)


@pytest.fixture
def four_sessions(northwind, northwind_engineer, sam, flow):
    """Hand-computed, all created today in active_directory, minutes after `base`:
    S1 resolved at +30 (MTTR 30); S2 escalated at +10, picked up by Sam at +30 (a 20 minute wait), resolved
    at +70 (MTTR 70); S3 escalated at +40, still waiting; S4 abandoned at +15."""
    base = timezone.now() - timedelta(hours=2)
    minutes = lambda n: base + timedelta(minutes=n)  # noqa: E731
    s1 = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.resolve_session(s1, resolution_summary="Unlocked")
    s2 = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.escalate_session(s2, reason="Needs a domain admin", target_user=sam)
    escalations.pick_up_session(AISession.objects.get(pk=s2.pk), sam)
    engine.resolve_session(s2, resolution_summary="Unlocked from the PDC")
    s3 = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.escalate_session(s3, reason="Needs a domain admin", target_user=sam)
    s4 = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.abandon_session(s4)
    at(s1, created=base, resolved=minutes(30))
    at(s2, created=base, escalated=minutes(10), picked_up=minutes(30), resolved=minutes(70))
    at(s3, created=base, escalated=minutes(40))
    at(s4, created=base, abandoned=minutes(15))
    rollups.rebuild_session_days(northwind.pk)
    return s1, s2, s3, s4


def test_the_dashboard_counts_a_picked_up_session_as_escalated_and_resolved(northwind, four_sessions):
    board = metrics.dashboard(northwind, "7d")

    assert board["total_sessions"] == 4
    assert board["escalated_sessions"] == 2  # S2 (picked up, resolved since) and S3
    assert board["resolved_sessions"] == 2 and board["abandoned_sessions"] == 1
    assert board["resolution_rate"] == 50.0  # 2 resolved of 4 closed, each session once
    assert board["escalations_picked_up"] == 1 and board["avg_time_to_pickup_minutes"] == 20.0
    assert board["mttr_minutes"] == 50.0  # (30 + 70) / 2: S2 from its start to its final resolve
    assert board["avg_session_duration_minutes"] == pytest.approx((30 + 70 + 40 + 15) / 4)


def test_a_domains_escalation_rate_counts_the_picked_up_session(northwind, four_sessions):
    (domain,) = metrics.dashboard(northwind, "7d")["sessions_by_domain"]

    assert (domain["domain"], domain["total"], domain["escalated"], domain["resolved"]) == (
        "active_directory",
        4,
        2,
        2,
    )
    assert domain["resolution_rate"] == 50.0


def test_the_high_escalation_gap_counts_the_picked_up_session(northwind, four_sessions, settings):
    settings.HIGH_ESCALATION_MIN_SESSIONS = 4
    settings.HIGH_ESCALATION_RATE = 0.4
    _, s2, s3, _ = four_sessions

    (gap,) = gaps.high_escalation(northwind, timezone.now() - timedelta(days=1))

    assert gap["evidence"]["escalated"] == 2 and gap["evidence"]["closed"] == 4
    assert gap["evidence"]["escalation_rate"] == 0.5
    assert set(gap["evidence"]["example_session_ids"]) == {str(s2.pk), str(s3.pk)}


def test_the_dashboard_page_shows_pick_ups_and_the_time_to_pick_up(client, northwind_admin, four_sessions):
    client.force_login(northwind_admin)

    html = client.get("/analytics/?period=7d").content.decode()

    assert "2 escalated (1 picked up, 20.0 min to pick up)" in html
