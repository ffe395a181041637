"""FlowPilot's LLM spend is bounded: a prompt never exceeds FLOWPILOT_PROMPT_MAX_CHARS (the intake and the
latest turns are kept), and an account's daily budget of LLM steps falls back to capture mode, with a notice
on the session page and in the API's step data. Through Anthropic's real client against a fake API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from flowpilot import engine
from flowpilot.engine.llm_mode import BUDGET_NOTICE, PURPOSE, budget_left
from flowpilot.models import SessionMode, StepType
from resolutionflow.models import LLMCall
from resolutionflow.tests.fake_anthropic import tool_reply
from scripts.library import load_builtin_templates

INTAKE = "Excel crashes when opening a macro workbook from SharePoint"
QUESTION = {"type": "question", "content": "Does it crash in safe mode?", "options": ["Yes", "No"], "confidence": 0.5}


def prompt_chars(body: dict) -> int:
    return len(body["system"]) + sum(len(message["content"]) for message in body["messages"])


def log_calls(account, n, *, purpose=PURPOSE, when=None):
    for _ in range(n):
        call = LLMCall.objects.create(account=account, purpose=purpose, provider="anthropic", model="m", outcome="ok")
        if when is not None:
            LLMCall.objects.filter(pk=call.pk).update(created_at=when)


def test_a_long_session_sends_the_intake_and_the_latest_turns_within_the_limit(northwind_engineer, fake_llm, settings):
    settings.FLOWPILOT_PROMPT_MAX_CHARS = 6000
    fake = fake_llm(tool_reply(QUESTION))
    session = engine.start_session(northwind_engineer, INTAKE)
    for n in range(30):
        engine.answer_step(session, free_text=f"Checked thing {n}: " + "details " * 40, result=f"Finding {n}")

    body = fake.bodies()[-1]
    sent = "\n".join(message["content"] for message in body["messages"])
    assert len(fake.requests) == 31
    assert prompt_chars(body) <= 6000
    assert INTAKE in body["messages"][0]["content"]
    assert "Checked thing 29:" in body["messages"][-1]["content"] and "Finding 29" in sent
    assert "Checked thing 0:" not in sent and "earlier messages of this session are left out" in sent
    assert [m["role"] for m in body["messages"]][::2] == ["user"] * len(body["messages"][::2])


def test_a_short_session_sends_its_whole_transcript(northwind_engineer, fake_llm):
    fake = fake_llm(tool_reply(QUESTION))
    session = engine.start_session(northwind_engineer, INTAKE)
    engine.answer_step(session, selected_option="Yes")

    sent = "\n".join(message["content"] for message in fake.bodies()[-1]["messages"])
    assert INTAKE in sent and "Does it crash in safe mode?" in sent and "left out" not in sent


@pytest.mark.parametrize("limit", [3000, 2000])
def test_the_newest_message_is_sent_even_when_it_alone_is_over_the_limit(northwind_engineer, fake_llm, settings, limit):
    settings.FLOWPILOT_PROMPT_MAX_CHARS = limit
    fake = fake_llm(tool_reply(QUESTION))
    session = engine.start_session(northwind_engineer, INTAKE)

    engine.answer_step(session, free_text="Event log: " + "0xc0000005 " * 900)

    body = fake.bodies()[-1]
    assert prompt_chars(body) <= limit
    assert INTAKE in body["messages"][0]["content"] and "Event log: 0xc0000005" in body["messages"][-1]["content"]


def test_the_lists_of_flows_and_templates_give_way_when_the_system_prompt_alone_is_too_long(
    northwind_engineer, fake_llm, settings
):
    load_builtin_templates()
    fake = fake_llm(tool_reply(QUESTION))
    engine.start_session(northwind_engineer, INTAKE)
    full = fake.bodies()[-1]
    assert "Script templates the engineer can generate" in full["system"]
    settings.FLOWPILOT_PROMPT_MAX_CHARS = len(full["system"])

    engine.start_session(northwind_engineer, INTAKE)

    body = fake.bodies()[-1]
    assert prompt_chars(body) <= len(full["system"])
    assert "Script templates" not in body["system"] and INTAKE in body["messages"][0]["content"]


def test_when_the_daily_budget_is_spent_the_session_goes_on_in_capture_mode_with_a_notice(
    northwind_engineer, fake_llm, settings, client, api_as
):
    settings.FLOWPILOT_DAILY_LLM_BUDGET = 2
    fake = fake_llm(tool_reply(QUESTION))
    session = engine.start_session(northwind_engineer, INTAKE)
    engine.answer_step(session, selected_option="Yes")

    session = engine.answer_step(session, selected_option="No")
    step = engine.current_step(session)

    assert len(fake.requests) == 2
    assert step.step_type == StepType.CAPTURE and step.content["notice"] == BUDGET_NOTICE
    session.refresh_from_db()
    assert session.mode == SessionMode.CAPTURE
    client.force_login(northwind_engineer)
    assert "daily AI budget for your account is used up" in client.get(f"/sessions/{session.pk}/").content.decode()
    steps = api_as(northwind_engineer).get(f"/api/v1/ai-sessions/{session.pk}").json()["steps"]
    assert steps[-1]["content"]["notice"] == BUDGET_NOTICE and steps[-1]["content"]["llm_fallback"] == "budget"

    engine.answer_step(session, free_text="Opened it in safe mode", result="No crash")
    assert len(fake.requests) == 2  # capture from here on: no more calls


def test_a_new_session_on_a_spent_budget_starts_in_capture_mode(northwind, northwind_engineer, fake_llm, settings):
    settings.FLOWPILOT_DAILY_LLM_BUDGET = 3
    log_calls(northwind, 3)
    fake = fake_llm(tool_reply(QUESTION))

    session = engine.start_session(northwind_engineer, INTAKE)

    assert not fake.requests
    assert session.mode == SessionMode.CAPTURE
    assert engine.current_step(session).content["notice"] == BUDGET_NOTICE


def test_the_budget_counts_only_todays_flowpilot_calls_of_the_account(northwind, contoso, settings):
    settings.FLOWPILOT_DAILY_LLM_BUDGET = 2
    log_calls(contoso, 5)
    log_calls(northwind, 5, when=timezone.now() - timedelta(days=1, hours=1))
    log_calls(northwind, 5, purpose="flywheel")
    log_calls(northwind, 1)

    assert budget_left(northwind)
    log_calls(northwind, 1)
    assert not budget_left(northwind)
    assert budget_left(contoso) is False


def test_the_day_starts_at_midnight_in_the_accounts_time_zone(northwind, settings, monkeypatch):
    settings.FLOWPILOT_DAILY_LLM_BUDGET = 1
    now = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # 19:00 on 7 December in Kiritimati (UTC+14)
    monkeypatch.setattr(timezone, "now", lambda: now)
    northwind.time_zone = "Pacific/Kiritimati"
    northwind.save()
    log_calls(northwind, 1, when=datetime(2026, 12, 6, 9, 59, tzinfo=UTC))  # 23:59 on 6 December there

    assert budget_left(northwind)
    log_calls(northwind, 1, when=datetime(2026, 12, 6, 10, 1, tzinfo=UTC))  # 00:01 on 7 December there
    assert not budget_left(northwind)
