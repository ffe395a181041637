"""The hand-off of an escalated session: built by rules (problem, environment, what was tried, suspected
cause, next steps), improved by the LLM through Anthropic's real client against a fake API, validated, and
kept as the rules built it when the answer is unusable."""

import pytest

from flowpilot import engine
from flowpilot.engine.handoff import LLM, NOT_IDENTIFIED, PURPOSE, RULES, build_handoff, handoff_text
from flowpilot.models import AISession
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from resolutionflow.models import LLMCall
from resolutionflow.tests.fake_anthropic import text_reply, tool_reply
from scripts.tests.factories import ScriptTemplateFactory

REWRITE = {
    "problem": "The user is locked out of AD again after a password change.",
    "suspected_cause": "A phone still signing in with the old password (event 4740 from a mobile device).",
    "next_steps": ["Find the lockout source in event 4740 on the PDC", "Clear saved credentials on the phone"],
}


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


@pytest.fixture
def escalated(northwind_engineer, flow, colleague_sam):
    """Walked to the unlock action, escalated to Sam while that action waits."""
    session = engine.start_session(
        northwind_engineer, LOCKOUT_INTAKE, client_name="Acme Dental", device="PC-0042", ticket_id="T-1001"
    )
    engine.answer_step(session, selected_option="Yes, locked out")
    engine.escalate_session(session, reason="Needs a domain admin", target_user=colleague_sam)
    return AISession.objects.get(pk=session.pk)


@pytest.fixture
def colleague_sam(northwind, service_desk):
    from resolutionflow.tests.factories import UserFactory

    return UserFactory(email="sam@northwind.test", account=northwind, team=service_desk)


def test_the_rules_handoff_holds_the_problem_environment_tried_cause_and_next_steps(escalated, colleague_sam):
    handoff = build_handoff(escalated, improve=False)

    assert handoff["source"] == RULES
    assert handoff["problem"] == LOCKOUT_INTAKE
    assert handoff["reason"] == "Needs a domain admin" and handoff["escalated_to"] == str(colleague_sam)
    environment = {fact["label"]: fact["value"] for fact in handoff["environment"]}
    assert environment["Client"] == "Acme Dental" and environment["Device"] == "PC-0042"
    assert environment["PSA ticket"] == "T-1001" and environment["Flow"] == "AD account locked out"
    assert environment["Domain"] == "active_directory"
    assert handoff["tried"] == ["Is the account locked out in Active Directory (ADUC → Account tab)? — Yes, locked out"]
    assert handoff["stopped_at"].startswith("Unlock the account in ADUC")
    assert "Yes, locked out" in handoff["suspected_cause"]


def test_next_steps_are_where_it_stopped_the_untried_options_and_the_flows_open_ends(escalated):
    steps = build_handoff(escalated, improve=False)["next_steps"]

    assert steps[0].startswith("Carry on from where it stopped: Unlock the account in ADUC")
    assert any("not tried: “No”, “Can't tell”" in line for line in steps)
    assert any(line.startswith("Open end of “AD account locked out”: “Can't tell”") for line in steps)
    assert not any("Yes, locked out" in line and "not tried" in line for line in steps)


def test_an_open_end_already_explored_in_the_session_is_not_suggested(northwind_engineer, flow):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, selected_option="Can't tell")  # the open end: capture from here
    engine.answer_step(session, free_text="Checked the lockout status with LockoutStatus.exe", result="Locked on DC2")
    engine.escalate_session(session, reason="DC replication")

    handoff = build_handoff(AISession.objects.get(pk=session.pk), improve=False)

    assert not any(line.startswith("Open end") for line in handoff["next_steps"])
    assert handoff["suspected_cause"] == "Unconfirmed. The latest finding: Locked on DC2"
    assert "Checked: Checked the lockout status with LockoutStatus.exe — found: Locked on DC2" in handoff["tried"]


def test_every_step_is_in_what_was_tried_including_a_generated_script_and_notes(northwind, northwind_engineer):
    import copy

    from flowpilot.tests.factories import LOCKOUT_TREE

    template = ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")
    tree = copy.deepcopy(LOCKOUT_TREE)
    tree["children"][0]["script"] = {"template": "ad-unlock-user", "params": {"sam_account_name": ""}}
    lockout_flow(northwind, tree_structure=tree)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE + ", user jsmith")
    engine.answer_step(session, selected_option="Yes, locked out")
    generation, _ = engine.generate_script(
        session, user=northwind_engineer, template=template, params={"sam_account_name": "jsmith"}
    )
    engine.answer_step(session, note="The user has two phones")
    engine.answer_step(session, action_result="Unlocked, locked again within a minute")
    engine.escalate_session(session, reason="Keeps locking")

    tried = build_handoff(AISession.objects.get(pk=session.pk), improve=False)["tried"]

    assert any(line.startswith("Did: Unlock the account") and "locked again within a minute" in line for line in tried)
    assert f"Generated script: ad-unlock-user (generation {generation.pk})" in tried
    assert "Note: The user has two phones" in tried


def test_a_session_with_nothing_recorded_says_the_cause_is_not_identified(northwind_engineer):
    session = engine.start_session(northwind_engineer, "Printer on floor 3 prints blank pages", prefer_capture=True)
    engine.escalate_session(session, reason="On-site visit")

    handoff = build_handoff(AISession.objects.get(pk=session.pk), improve=False)

    assert handoff["suspected_cause"] == NOT_IDENTIFIED and handoff["tried"] == [] and handoff["next_steps"] == []
    assert "Nothing recorded yet." in handoff_text(handoff)


def test_the_text_has_every_section(escalated):
    text = handoff_text(build_handoff(escalated, improve=False))

    for heading in (
        "Reason: Needs a domain admin",
        "Problem:",
        "Environment:",
        "- Client: Acme Dental",
        "Already tried and found:",
        "Stopped at:",
        "Suspected cause:",
        "Suggested next steps:",
    ):
        assert heading in text


def test_the_llm_improves_the_problem_cause_and_next_steps_and_keeps_the_record(escalated, fake_llm):
    rules = build_handoff(escalated, improve=False)
    fake = fake_llm(tool_reply(REWRITE))

    handoff = build_handoff(escalated)

    assert handoff["source"] == LLM
    assert handoff["suspected_cause"] == REWRITE["suspected_cause"] and handoff["next_steps"] == REWRITE["next_steps"]
    assert handoff["tried"] == rules["tried"] and handoff["environment"] == rules["environment"]
    sent = fake.bodies()[0]["messages"][0]["content"]
    assert sent.startswith("<record>") and "Needs a domain admin" in sent and "Acme Dental" in sent
    assert LLMCall.objects.get().purpose == PURPOSE


@pytest.mark.parametrize(
    "reply",
    [
        text_reply(),  # no structured answer at all
        tool_reply({**REWRITE, "next_steps": []}),  # fails the schema
        tool_reply({**REWRITE, "suspected_cause": "   "}),  # blank once stripped
        tool_reply({**REWRITE, "next_steps": ["Check event 4740", "check EVENT 4740"]}),  # repeated
    ],
    ids=["no-tool-call", "schema", "blank", "repeated"],
)
def test_an_unusable_llm_answer_keeps_the_rules_handoff(escalated, fake_llm, reply):
    rules = build_handoff(escalated, improve=False)
    fake_llm(reply)

    handoff = build_handoff(escalated)

    assert handoff == {**rules, "time_spent": handoff["time_spent"]}
    assert handoff["source"] == RULES


def test_no_llm_call_once_the_daily_budget_is_spent(escalated, fake_llm, settings):
    settings.FLOWPILOT_DAILY_LLM_BUDGET = 0
    fake = fake_llm(tool_reply(REWRITE))

    assert build_handoff(escalated)["source"] == RULES
    assert fake.requests == []


@pytest.mark.parametrize("status, shown", [("verified", "#T20261207.0042"), ("unverified", "(unverified)")])
def test_the_environment_names_the_linked_ticket_its_company_and_summary(northwind_engineer, flow, status, shown):
    from flowpilot.models import TicketLink

    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE, ticket_id="T-1001")
    TicketLink.objects.create(
        account=session.account,
        session=session,
        provider="connectwise",
        number="T20261207.0042",
        summary="Jane cannot sign in since this morning",
        company="Acme Dental",
        status=status,
    )
    engine.escalate_session(session, reason="Needs a domain admin")

    environment = {f["label"]: f["value"] for f in build_handoff(AISession.objects.get(pk=session.pk))["environment"]}

    assert shown in environment["PSA ticket"] and "T-1001" not in environment["PSA ticket"]
    assert environment["Company"] == "Acme Dental"
    assert environment["Ticket summary"] == "Jane cannot sign in since this morning"
