"""How a picked-up session counts: still escalated (dashboard, a domain's escalation rate, the high_escalation
gap), MTTR from its start to the final resolve, flow usage once at the final close, one flywheel analysis
after the final resolve with both engineers' steps, and the dashboard's pick-ups and time to pick-up."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import gaps, metrics
from flowpilot import engine, escalations, rollups
from flowpilot.analysis_queue import analyze_pending
from flowpilot.models import AISession, SessionHandoff
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from knowledge.models import FlowProposal, Tree
from resolutionflow.models import Role
from resolutionflow.tests.factories import UserFactory


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


@pytest.fixture
def sam(northwind, service_desk):
    return UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)


def stats(flow):
    tree = Tree.objects.get(pk=flow.pk)
    return tree.times_followed, tree.success_count, tree.success_rate


def at(session, *, created, escalated=None, picked_up=None, resolved=None, abandoned=None):
    """Move a session's moments (minutes after `base`) as if it had run then."""
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


def test_flow_usage_is_recorded_once_at_the_final_close_not_at_escalation(northwind_engineer, sam, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.escalate_session(session, reason="Needs a domain admin", target_user=sam)
    assert stats(flow) == (0, 0, None)

    escalations.pick_up_session(AISession.objects.get(pk=session.pk), sam)
    engine.answer_step(session, action_result="Worked")  # on to the flow's solution
    assert stats(flow) == (0, 0, None)
    engine.resolve_session(session, resolution_summary="Unlocked")

    assert stats(flow) == (1, 1, 1.0)  # followed once, succeeded at the flow's solution
    assert AISession.objects.get(pk=session.pk).outcome_recorded


def test_a_session_escalated_twice_is_recorded_once(northwind_engineer, northwind_admin, sam, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.escalate_session(session, reason="Needs a domain admin", target_user=sam)
    escalations.pick_up_session(AISession.objects.get(pk=session.pk), sam)
    engine.escalate_session(session, reason="Needs the owner", target_user=northwind_admin)
    engine.resolve_session(session, resolution_summary="Unlocked by the owner")  # the target resolves it

    assert stats(flow) == (1, 0, 0.0)


def test_the_flywheel_analyses_once_after_the_final_resolve_with_both_engineers_steps(northwind_engineer, sam):
    session = engine.start_session(
        northwind_engineer, "Plotter in the drawing office prints blank pages", prefer_capture=True
    )
    engine.answer_step(session, free_text="Checked the toner cartridge seating", result="Seated correctly")
    engine.escalate_session(session, reason="Hardware", target_user=sam)
    assert AISession.objects.get(pk=session.pk).analysis_status is None
    escalations.pick_up_session(AISession.objects.get(pk=session.pk), sam)
    assert not analyze_pending() and AISession.objects.get(pk=session.pk).analysis_status is None

    engine.answer_step(session, free_text="Ran the fuser diagnostic from the service menu", result="Fuser error 50.2")
    engine.resolve_session(session, resolution_summary="Replaced the fuser unit")
    assert analyze_pending()
    assert not analyze_pending()  # once

    session = AISession.objects.get(pk=session.pk)
    assert session.analysis_status == "completed" and session.analysis_attempts == 1
    (proposal,) = FlowProposal.objects.all()
    tree = json.dumps(proposal.proposed_flow_data).casefold()
    assert "toner" in tree and "fuser" in tree
