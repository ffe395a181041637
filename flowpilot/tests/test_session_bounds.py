"""A session's size is bounded where it grows: notes are capped per session and in length, and a script
step is pre-filled from the intake and the latest messages only."""

import copy

import pytest

from flowpilot import engine
from flowpilot.engine import MAX_NOTE_LENGTH
from flowpilot.engine.scripts import PREFILL_MESSAGES
from flowpilot.errors import InvalidAnswer
from flowpilot.models import StepType
from flowpilot.tests.factories import LOCKOUT_INTAKE, LOCKOUT_TREE, lockout_flow
from resolutionflow.testing import HTMX, toast_of
from scripts.tests.factories import ScriptTemplateFactory


@pytest.fixture
def session(northwind_engineer):
    return engine.start_session(northwind_engineer, "Label printer prints garbage", prefer_capture=True)


def notes_of(session):
    return [note["text"] for step in session.steps.all() for note in step.notes]


def test_the_api_refuses_a_note_beyond_the_sessions_cap_with_a_400(api_as, northwind_engineer, session, settings):
    settings.FLOWPILOT_MAX_NOTES_PER_SESSION = 3
    client = api_as(northwind_engineer)
    answer_url = f"/api/v1/ai-sessions/{session.pk}/steps"
    for n in range(2):
        assert client.post(answer_url, {"note": f"note {n}"}, format="json").status_code == 200
    engine.answer_step(session, free_text="Printed a test page", result="Garbage again")  # notes on any step count
    assert client.post(answer_url, {"note": "note 2"}, format="json").status_code == 200

    refused = client.post(answer_url, {"note": "one too many"}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"note": ["This session already has 3 notes, the most it takes."]}
    assert notes_of(session) == ["note 0", "note 1", "note 2"]


def test_the_session_page_refuses_a_note_beyond_the_cap_with_its_message(client, northwind_engineer, session, settings):
    settings.FLOWPILOT_MAX_NOTES_PER_SESSION = 1
    client.force_login(northwind_engineer)
    client.post(f"/sessions/{session.pk}/answer/", {"note": "first"}, **HTMX)

    response = client.post(f"/sessions/{session.pk}/answer/", {"note": "second"}, **HTMX)

    assert toast_of(response)["message"] == ("This session already has 1 notes, the most it takes.")
    assert notes_of(session) == ["first"]


def test_a_note_longer_than_the_limit_is_refused_everywhere(api_as, client, northwind_engineer, session):
    long_note = "x" * (MAX_NOTE_LENGTH + 1)

    api = api_as(northwind_engineer).post(f"/api/v1/ai-sessions/{session.pk}/steps", {"note": long_note}, format="json")
    client.force_login(northwind_engineer)
    page = client.post(f"/sessions/{session.pk}/answer/", {"note": long_note})
    with pytest.raises(InvalidAnswer) as engine_refusal:
        engine.answer_step(session, note=long_note)

    assert api.status_code == 400 and "note" in api.json()
    assert page.status_code == 422
    assert engine_refusal.value.field == "note"
    assert notes_of(session) == []


def test_a_script_step_is_prefilled_from_the_intake_and_the_latest_messages(northwind, northwind_engineer):
    ScriptTemplateFactory(account=northwind, slug="ad-unlock-user")
    tree = copy.deepcopy(LOCKOUT_TREE)
    tree["children"][0]["script"] = {"template": "ad-unlock-user", "params": {"sam_account_name": ""}}
    lockout_flow(northwind, tree_structure=tree)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, note="Ticket says user olduser, but that account was renamed")
    for n in range(PREFILL_MESSAGES):
        engine.answer_step(session, note=f"Call {n}: the user jsmith is still locked out")

    session = engine.answer_step(session, selected_option="Yes, locked out")
    step = engine.current_step(session)

    assert step.step_type == StepType.SCRIPT_GENERATION
    assert step.content["script"]["params"] == {"sam_account_name": "jsmith"}
