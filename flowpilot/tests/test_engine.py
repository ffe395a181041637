"""The FlowPilot engine end to end on the real database: guided, escape, capture, flow choice, LLM."""

import httpx2
import pytest

from flowpilot import engine
from flowpilot.errors import InvalidAnswer, InvalidIntake, SessionClosed
from flowpilot.models import LeftFlowReason, SessionMode, StepType
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from knowledge.models import Tree
from knowledge.tests.factories import TreeFactory
from resolutionflow.models import LLMCall
from resolutionflow.tests.fake_anthropic import text_reply, tool_reply


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


def stats(tree):
    tree = Tree.objects.get(pk=tree.pk)
    return tree.times_matched, tree.times_followed, tree.success_count, tree.success_rate


def test_a_guided_session_followed_exactly_resolves_at_the_solution_and_reinforces_the_flow(northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE, client_name="Acme Dental", ticket_id="T-1")

    assert session.confidence_tier == "guided" and session.mode == SessionMode.GUIDED
    assert session.matched_flow == flow and session.match_score >= 0.8
    first = engine.current_step(session)
    assert (first.step_type, first.flow_node_id) == (StepType.QUESTION, "root")
    assert first.options == ["Yes, locked out", "No", "Can't tell"]

    session = engine.answer_step(session, selected_option="Yes, locked out")
    action = engine.current_step(session)
    assert (action.step_type, action.flow_node_id) == (StepType.ACTION, "locked")
    session = engine.answer_step(session, action_result="Unlocked it; 4740 events from her phone")
    solution = engine.current_step(session)
    assert (solution.step_type, solution.flow_node_id) == (StepType.SOLUTION, "unlocked")

    session = engine.resolve_session(session, resolution_summary="Unlocked, phone mail profile updated", rating=5)

    assert session.status == "resolved" and session.analysis_status == "pending"
    assert session.resolution_node_id == "unlocked" and session.resolved_at is not None
    assert session.answered_step_count == 3
    assert stats(flow) == (1, 1, 1, 1.0)
    steps = list(session.steps.order_by("order"))
    assert [s.flow_node_id for s in steps] == ["root", "locked", "unlocked"]
    assert not any(s.was_free_text for s in steps)
    assert steps[0].selected_option == "Yes, locked out" and steps[1].action_result.startswith("Unlocked it")
    assert "Acme Dental" in session.documentation and "Unlocked, phone mail profile updated" in session.documentation
    assert [m["role"] for m in session.conversation_messages][:2] == ["user", "assistant"]


def test_a_free_text_escape_leaves_the_flow_and_continues_in_capture(northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    session = engine.answer_step(session, free_text="The account is disabled, not locked")
    step = engine.current_step(session)

    session.refresh_from_db()
    escape = session.steps.get(order=1)
    assert escape.was_free_text and escape.free_text_input == "The account is disabled, not locked"
    assert session.left_flow_node_id == "root" and session.left_flow_reason == LeftFlowReason.FREE_TEXT
    assert step.step_type == StepType.CAPTURE and session.mode == SessionMode.CAPTURE
    engine.answer_step(session, free_text="Checked ADUC", result="Disabled by the leaver script")
    capture = session.steps.get(order=2)
    assert not capture.was_free_text and capture.action_result == "Disabled by the leaver script"

    engine.resolve_session(session, resolution_summary="Re-enabled the account")

    assert stats(flow) == (1, 1, 0, 0.0)


def test_an_action_that_did_not_work_is_an_escape(northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, selected_option="Yes, locked out")

    engine.answer_step(session, free_text="Unlock fails: access denied", result="Didn't work")

    step = session.steps.get(order=2)
    assert step.was_free_text and step.action_result == "Didn't work"


def test_reaching_an_open_end_continues_in_capture_from_that_node(northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    session = engine.answer_step(session, selected_option="Can't tell")
    step = engine.current_step(session)

    session.refresh_from_db()
    assert step.step_type == StepType.CAPTURE and step.flow_node_id == "unsure"
    assert session.left_flow_reason == LeftFlowReason.OPEN_END and session.mode == SessionMode.CAPTURE


def test_an_abandoned_session_counts_as_followed_not_successful_and_an_escalation_waits_for_the_final_close(
    northwind_engineer, northwind_admin, flow
):
    escalated = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(escalated, selected_option="Yes, locked out")
    escalated = engine.escalate_session(escalated, reason="Needs domain admin", target_user=northwind_admin)
    abandoned = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.abandon_session(abandoned, reason="User went home")

    assert stats(flow) == (2, 1, 0, 0.0)  # the escalated session is not closed for good yet
    assert "Needs domain admin" in escalated.handoff_summary and "Unlock the account" in escalated.handoff_summary


def test_resolving_after_escalation_does_not_count_the_outcome_twice(northwind_engineer, northwind_admin, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.escalate_session(session, reason="stuck", target_user=northwind_admin)

    session = engine.resolve_session(session, resolution_summary="Second line fixed it")

    assert session.status == "resolved" and session.analysis_status == "pending"
    assert stats(flow) == (1, 1, 0, 0.0)


def test_a_capture_session_records_checks_and_findings(northwind_engineer):
    session = engine.start_session(northwind_engineer, "Plotter in the drawing office prints blank pages")

    assert session.confidence_tier == "discovery" and session.mode == SessionMode.CAPTURE
    engine.answer_step(session, free_text="Printed a test page from the plotter menu", result="Also blank")
    engine.answer_step(session, free_text="Replaced the printhead", result="Prints fine")
    session = engine.resolve_session(session, resolution_summary="Replaced the failed printhead")

    steps = list(session.steps.order_by("order"))
    assert [s.step_type for s in steps] == ["capture", "capture"]  # the prompt left unanswered is not kept
    assert steps[1].free_text_input == "Replaced the printhead" and steps[1].action_result == "Prints fine"
    assert not any(s.was_free_text for s in steps)
    assert "Checked: Printed a test page" in session.documentation
    assert session.analysis_status == "pending"


def test_exploring_without_an_llm_asks_which_flow_fits_and_records_the_switch(northwind_engineer, northwind, flow):
    other = TreeFactory(
        account=northwind,
        name="Password expired at sign-in",
        problem_domain="active_directory",
        description="Password expired, must change password at next logon",
    )
    session = engine.start_session(northwind_engineer, "user cannot log in")
    assert session.confidence_tier == "exploring" and session.matched_flow == flow
    step = engine.current_step(session)
    assert session.mode == SessionMode.FLOW_CHOICE and step.content["source"] == "flow_choice"
    assert step.options == [flow.name, other.name]

    session = engine.answer_step(session, selected_option=flow.name)
    walked = engine.current_step(session)

    session.refresh_from_db()
    assert session.mode == SessionMode.GUIDED and (walked.flow, walked.flow_node_id) == (flow, "root")
    assert step.content["flows"][0]["score"] == session.match_score


def test_switching_flow_from_the_panel_keeps_the_candidates(northwind_engineer, northwind, flow):
    other = TreeFactory(account=northwind, name="Password expired")
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    candidates = list(session.candidate_matches)

    session = engine.switch_flow(session, other)
    step = engine.current_step(session)

    session.refresh_from_db()
    assert session.matched_flow == other and step.flow == other
    assert session.candidate_matches == candidates


def test_each_action_returns_the_session_as_it_now_stands(northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    escaped = engine.answer_step(session, free_text="The account is disabled, not locked")
    captured = engine.prefer_capture(escaped)
    noted = engine.answer_step(captured, note="Leaver script ran on Friday")

    assert escaped.mode == SessionMode.CAPTURE and escaped.left_flow_reason == LeftFlowReason.FREE_TEXT
    assert escaped.answered_step_count == 1 and captured.answered_step_count == 1
    assert engine.current_step(noted).notes[0]["text"] == "Leaver script ran on Friday"
    assert noted.conversation_messages[-1]["content"] == "Note: Leaver script ran on Friday"


def test_a_closed_session_takes_only_the_transitions_its_status_allows(northwind_engineer, northwind_admin, flow):
    other = TreeFactory(account=flow.account, name="Printer offline")
    escalated = engine.escalate_session(
        engine.start_session(northwind_engineer, LOCKOUT_INTAKE),
        reason="Needs domain admin",
        target_user=northwind_admin,
    )
    abandoned = engine.abandon_session(engine.start_session(northwind_engineer, LOCKOUT_INTAKE))
    refused = [
        lambda s: engine.answer_step(s, selected_option="No"),
        lambda s: engine.switch_flow(s, other),
        engine.prefer_capture,
        lambda s: engine.escalate_session(s, reason="again"),
        engine.abandon_session,
    ]

    for act in refused:
        for session in (escalated, abandoned):
            with pytest.raises(SessionClosed):
                act(session)
    with pytest.raises(SessionClosed):
        engine.resolve_session(abandoned, resolution_summary="Too late")
    assert engine.resolve_session(escalated, resolution_summary="Second line fixed it").status == "resolved"
    assert (engine.closing_actions("active"), engine.closing_actions("escalated")) == (
        ("resolve", "escalate", "abandon"),
        ("resolve",),
    )
    assert engine.closing_actions("resolved") == engine.closing_actions("abandoned") == ()


def test_bad_answers_are_refused_clearly(northwind_engineer, flow):
    with pytest.raises(InvalidIntake):
        engine.start_session(northwind_engineer, "   ")
    with pytest.raises(InvalidIntake):
        engine.start_session(northwind_engineer, "x" * 10_001)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    with pytest.raises(InvalidAnswer) as raised:
        engine.answer_step(session, selected_option="Maybe")
    assert raised.value.offered == ["Yes, locked out", "No", "Can't tell"]
    with pytest.raises(InvalidAnswer):
        engine.answer_step(session, free_text="  ")
    with pytest.raises(InvalidAnswer):
        engine.answer_step(session, action_result="done")  # not an action step

    engine.abandon_session(session)
    with pytest.raises(SessionClosed):
        engine.answer_step(session, selected_option="No")


def test_a_note_is_recorded_and_the_step_stays(northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    session = engine.answer_step(session, note="User is on a train, intermittent signal")
    step = engine.current_step(session)

    assert step.order == 1 and not step.is_answered
    assert step.notes[0]["text"] == "User is on a train, intermittent signal"


LLM_QUESTION = {
    "type": "question",
    "content": "Does the error mention error 0x80070005?",
    "options": ["Yes", "No"],
    "confidence": 0.6,
    "reasoning": "Access denied is common",
}
LLM_SOLUTION = {"type": "solution", "content": "Re-register the Office licence", "confidence": 0.8}


def test_an_llm_session_through_the_real_client_falls_back_to_capture_on_an_invalid_answer(
    northwind_engineer, fake_llm
):
    fake = fake_llm(tool_reply(LLM_QUESTION), text_reply(), tool_reply(LLM_SOLUTION))

    session = engine.start_session(northwind_engineer, "Excel crashes when opening a macro workbook from SharePoint")
    first = engine.current_step(session)
    assert session.mode == SessionMode.LLM and first.step_type == StepType.QUESTION
    assert first.options == ["Yes", "No"] and first.content["source"] == "llm" and first.flow_node_id == ""

    session = engine.answer_step(session, selected_option="Yes")
    fallback = engine.current_step(session)
    assert fallback.step_type == StepType.CAPTURE and "llm_fallback" in fallback.content

    session = engine.answer_step(session, free_text="Checked the Trust Center", result="Macros blocked by MOTW")
    solution = engine.current_step(session)
    assert solution.step_type == StepType.SOLUTION and solution.text == "Re-register the Office licence"
    session = engine.resolve_session(session, resolution_summary="Unblocked the file (Mark of the Web)")

    assert session.status == "resolved" and session.analysis_status == "pending"
    assert LLMCall.objects.filter(purpose="flowpilot_step").count() == 3
    assert LLMCall.objects.filter(outcome="invalid_output").count() == 1
    body = fake.bodies()[-1]
    assert "<engineer>" in body["messages"][0]["content"]
    assert body["tool_choice"] == {"type": "tool", "name": "respond"}


def test_an_llm_question_with_one_option_falls_back_to_capture(northwind_engineer, fake_llm):
    fake_llm(tool_reply({"type": "question", "content": "Is it on?", "options": ["Yes"]}))

    session = engine.start_session(northwind_engineer, "Scanner in reception not working")

    assert engine.current_step(session).step_type == StepType.CAPTURE


def test_an_llm_outage_never_stops_a_session(northwind_engineer, fake_llm):
    fake_llm(httpx2.ConnectError("down"))

    session = engine.start_session(northwind_engineer, "Scanner in reception not working")

    assert engine.current_step(session).step_type == StepType.CAPTURE


def test_a_procedural_flow_is_walked_step_by_step_and_succeeds_at_its_end(northwind_engineer, northwind):
    procedure = TreeFactory(
        account=northwind,
        name="New starter onboarding",
        tree_type="procedural",
        description="New starter: create the AD account, mailbox and licence before their first day",
        match_keywords=["new starter", "onboarding", "new user"],
        tree_structure={
            "steps": [
                {"id": "ad", "title": "Create the AD account", "instructions": "ADUC"},
                {"id": "lic", "title": "Assign a licence", "instructions": "M365 admin"},
            ]
        },
    )
    session = engine.start_session(northwind_engineer, "New starter onboarding: create the AD account for Monday")
    assert session.matched_flow == procedure and session.confidence_tier == "guided"
    first = engine.current_step(session)
    assert (first.step_type, first.flow_node_id, first.content["position"]) == ("action", "ad", "1 of 2")

    engine.answer_step(session, action_result="Created")
    session = engine.answer_step(session, action_result="Licensed")
    done = engine.current_step(session)
    assert done.step_type == StepType.SOLUTION and done.content["procedure_done"]
    engine.resolve_session(session, resolution_summary="Onboarded")

    assert stats(procedure) == (1, 1, 1, 1.0)


def test_answered_flow_questions_are_counted_in_the_rollup_and_a_rebuild_agrees(northwind_engineer, flow):
    from flowpilot import rollups
    from flowpilot.models import FlowNodeDay

    engine.answer_step(engine.start_session(northwind_engineer, LOCKOUT_INTAKE), selected_option="No")
    engine.answer_step(engine.start_session(northwind_engineer, LOCKOUT_INTAKE), free_text="Disabled, not locked")
    counted = list(FlowNodeDay.objects.values_list("node_id", "shown", "escapes"))

    rollups.rebuild()

    assert counted == [("root", 2, 1)]
    assert list(FlowNodeDay.objects.values_list("node_id", "shown", "escapes")) == counted
