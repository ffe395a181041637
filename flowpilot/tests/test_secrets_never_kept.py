"""A secret an engineer types is hidden before it is stored, so nothing derived from the session carries it:
the steps, the transcript, the documentation, the hand-off, LLM prompts, proposals and the API
(gap evidence: analytics/tests/test_gap_evidence_secrets.py)."""

import json

from django.forms.models import model_to_dict

from flowpilot import engine
from flowpilot.analysis_queue import analyze
from flowpilot.models import AISession
from knowledge.models import FlowProposal
from resolutionflow.redaction import MARKER
from resolutionflow.tests.fake_anthropic import tool_reply

SECRETS = ("Welcome2024!", "Adm1n#2023", "S3cr3t!x", "Tr0ub4dor&3", "Autumn#77", "Qx7!pz92")
QUESTION = {"type": "question", "content": "Does the user sign in now?", "options": ["Yes", "No"], "confidence": 0.5}


def everything_stored(session) -> str:
    session = AISession.objects.get(pk=session.pk)
    rows = [model_to_dict(session, exclude=["intake_embedding"])]
    rows += [model_to_dict(step) for step in session.steps.all()]
    return json.dumps(rows, default=str)


def secrets_in(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def run_session_with_secrets(engineer):
    session = engine.start_session(
        engineer, "Sage login fails for the accounts user, the admin pw is Adm1n#2023", prefer_capture=True
    )
    engine.answer_step(session, note="LAPS password for the PC was Qx7!pz92")
    engine.answer_step(
        session,
        free_text="Reset the user's password in ADUC",
        result="Her password had expired so I reset it to Welcome2024!",
    )
    engine.answer_step(
        session, free_text="Checked the ODBC DSN: Server=SQL1;User Id=sage;Password=S3cr3t!x;", result="Wrong password"
    )
    return engine.resolve_session(
        session,
        resolution_summary="Set the password to Tr0ub4dor&3 and updated the DSN",
        feedback="pw: Autumn#77 worked",
    )


def test_every_text_a_session_takes_is_stored_without_its_secret(northwind_engineer):
    session = run_session_with_secrets(northwind_engineer)

    stored = everything_stored(session)
    assert secrets_in(stored) == []
    assert MARKER in stored
    assert MARKER in session.documentation and secrets_in(session.documentation) == []


def test_the_proposal_built_from_it_holds_no_secret(northwind_engineer):
    session = run_session_with_secrets(northwind_engineer)

    proposal = analyze(AISession.objects.select_related("matched_flow", "engineer").get(pk=session.pk)).proposal

    assert proposal is not None
    dumped = json.dumps([proposal.title, proposal.description, proposal.proposed_flow_data, proposal.proposed_diff])
    assert secrets_in(dumped) == []
    assert FlowProposal.objects.filter(pk=proposal.pk).exists()


def test_an_escalation_reason_and_its_hand_off_hold_no_secret(northwind_engineer):
    session = engine.start_session(northwind_engineer, "VPN drops every hour", prefer_capture=True)
    engine.answer_step(session, free_text="Checked the FortiClient logs", result="IKE rekey fails")
    session = engine.escalate_session(session, reason="Needs the firewall admin; the portal password is Welcome2024!")

    assert secrets_in(everything_stored(session)) == []
    assert MARKER in session.escalation_reason and MARKER in session.handoff_summary


def test_an_abandon_reason_holds_no_secret(northwind_engineer):
    session = engine.start_session(northwind_engineer, "Printer offline", prefer_capture=True)
    session = engine.abandon_session(session, reason="Duplicate; the Wi-Fi PSK is Autumn#77")
    assert secrets_in(everything_stored(session)) == []


def test_the_llm_never_reads_a_secret(northwind_engineer, fake_llm):
    fake = fake_llm(tool_reply(QUESTION))
    session = engine.start_session(northwind_engineer, "Can't sign in to Xero, the password is Welcome2024!")
    engine.answer_step(session, free_text="Tried the password Adm1n#2023 from the vault")
    engine.answer_step(session, note="The backup codes are 4821 7734")

    sent = json.dumps(fake.bodies())
    assert fake.requests and secrets_in(sent) == [] and "4821 7734" not in sent


def test_the_api_shows_no_secret(api_as, northwind_engineer):
    client = api_as(northwind_engineer)
    session = run_session_with_secrets(northwind_engineer)

    detail = client.get(f"/api/v1/ai-sessions/{session.pk}").content.decode()
    assert secrets_in(detail) == [] and MARKER in detail


def test_look_alikes_in_a_session_stay_verbatim(northwind_engineer):
    text = "Error 0x80070005 installing KB5034441 on build 10.0.22631.3007; password expired; event ID 4625"
    session = engine.start_session(northwind_engineer, text, prefer_capture=True)
    assert session.intake_text == text
