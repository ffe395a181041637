"""A picked-up session's outcome is recorded once, at its final close: flow usage (not at the escalation) and one
flywheel analysis after the final resolve, over both engineers' steps."""

import json

import pytest

from flowpilot import engine, escalations
from flowpilot.analysis_queue import analyze_pending
from flowpilot.models import AISession
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
