"""A session closed while capture waits for "what did you check?" keeps no step for that unanswered prompt:
not in its steps (page, API), documentation, hand-off or the flywheel's path. Work on it (a note) is kept."""

import importlib

import pytest
from django.apps import apps

from flowpilot import engine
from flowpilot.analysis_queue import analyze
from flowpilot.engine.steps import CAPTURE_PROMPT
from flowpilot.models import AISession, StepType
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow

PLOTTER = "Plotter in the drawing office prints blank pages"


def captured(engineer):
    """A capture session with two findings, its third prompt waiting."""
    session = engine.start_session(engineer, PLOTTER, prefer_capture=True)
    engine.answer_step(session, free_text="Printed the plotter's test page", result="Also blank")
    engine.answer_step(session, free_text="Replaced the printhead", result="Prints fine")
    return session


def step_texts(session) -> list[str]:
    return [step.text for step in session.steps.order_by("order")]


def reload(session):
    return AISession.objects.select_related("matched_flow").get(pk=session.pk)


def test_resolving_drops_the_unanswered_prompt(northwind_engineer):
    session = captured(northwind_engineer)
    assert engine.current_step(session).text == CAPTURE_PROMPT  # waiting before the close

    session = engine.resolve_session(session, resolution_summary="Replaced the failed printhead")

    assert step_texts(session) == [CAPTURE_PROMPT, CAPTURE_PROMPT]  # the two answered ones
    assert all(step.is_answered for step in session.steps.all())
    assert CAPTURE_PROMPT not in session.documentation


def test_escalating_drops_it_and_the_handoff_does_not_stop_at_it(northwind_engineer):
    session = engine.escalate_session(captured(northwind_engineer), reason="Needs the vendor")

    assert session.steps.count() == 2
    assert "Stopped at" not in session.handoff_summary and CAPTURE_PROMPT not in session.handoff_summary
    assert "Replaced the printhead" in session.handoff_summary


def test_an_escalated_session_resolved_later_has_no_prompt_either(northwind_engineer):
    session = engine.escalate_session(captured(northwind_engineer), reason="Needs the vendor")

    session = engine.resolve_session(session, resolution_summary="Vendor replaced the board")

    assert session.steps.count() == 2


def test_abandoning_drops_it(northwind_engineer):
    session = engine.abandon_session(captured(northwind_engineer), reason="Duplicate ticket")

    assert session.steps.count() == 2


def test_a_session_abandoned_at_its_first_prompt_has_no_steps(northwind_engineer):
    session = engine.start_session(northwind_engineer, PLOTTER, prefer_capture=True)

    session = engine.abandon_session(session, reason="Duplicate ticket")

    assert not session.steps.exists()


def test_a_prompt_with_a_note_is_kept(northwind_engineer):
    session = captured(northwind_engineer)
    engine.answer_step(session, note="User will send a photo of the output")

    session = engine.resolve_session(session, resolution_summary="Replaced the failed printhead")

    last = session.steps.order_by("order").last()
    assert session.steps.count() == 3 and last.notes[0]["text"] == "User will send a photo of the output"


def test_the_api_lists_only_the_answered_steps_of_a_closed_session(api_as, northwind_engineer):
    session = engine.resolve_session(captured(northwind_engineer), resolution_summary="Replaced the printhead")

    body = api_as(northwind_engineer).get(f"/api/v1/ai-sessions/{session.pk}").json()

    assert [step["step_type"] for step in body["steps"]] == [StepType.CAPTURE, StepType.CAPTURE]
    assert all(step["answered_at"] for step in body["steps"])
    assert body["current_step"]["answered_at"] is not None


def test_the_session_page_timeline_ends_with_the_last_finding(client, northwind_engineer):
    session = engine.resolve_session(captured(northwind_engineer), resolution_summary="Replaced the printhead")
    client.force_login(northwind_engineer)

    for url in (f"/sessions/{session.pk}/", f"/sessions/{session.pk}/view/"):
        html = client.get(url).content.decode()
        assert "Replaced the printhead" in html and html.count(CAPTURE_PROMPT) == 2


def test_the_flywheel_builds_the_new_flow_from_the_findings_only(northwind_engineer):
    session = engine.resolve_session(captured(northwind_engineer), resolution_summary="Replaced the failed printhead")

    proposal = analyze(reload(session)).proposal

    root = proposal.proposed_flow_data["tree_structure"]
    assert proposal.proposal_type == "new_flow"
    assert root["instructions"] == "Print the plotter's test page"
    assert CAPTURE_PROMPT not in str(proposal.proposed_flow_data)


def test_an_open_end_closed_before_its_prompt_is_answered_still_fills_the_open_end(northwind, northwind_engineer):
    flow = lockout_flow(northwind)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    session = engine.answer_step(session, selected_option="Can't tell")
    prompt = engine.current_step(session)
    assert prompt.content["source"] == "open_end"

    session = engine.resolve_session(session, resolution_summary="It was an expired password")

    assert session.steps.count() == 1
    proposal = analyze(reload(session)).proposal
    filled = proposal.proposed_flow_data["tree_structure"]["children"][2]
    assert proposal.target_flow == flow and proposal.departure_node_id == "unsure"
    assert filled["label"] == "Can't tell" and "open" not in filled
    assert f"at step {prompt.order}" in proposal.description


@pytest.mark.django_db
def test_the_migration_drops_the_prompts_closed_sessions_kept_before(northwind_engineer):
    active = captured(northwind_engineer)
    closed = captured(northwind_engineer)
    noted = captured(northwind_engineer)
    engine.answer_step(noted, note="Photo to come")
    AISession.objects.filter(pk__in=[closed.pk, noted.pk]).update(status="resolved")
    migration = importlib.import_module("flowpilot.migrations.0009_drop_unanswered_closing_prompts")

    migration.drop_unanswered_closing_prompts(apps, None)

    assert (active.steps.count(), closed.steps.count(), noted.steps.count()) == (3, 2, 3)
