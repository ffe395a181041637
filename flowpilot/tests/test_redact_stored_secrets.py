"""The data migrations: secrets stored before the detector existed are replaced by its marker, in sessions
(flowpilot) and proposals (knowledge); look-alikes stay; the demo data comes out clean."""

import importlib
import json

from django.apps import apps
from django.core.management import call_command

from flowpilot.models import AISession, AISessionStep
from flowpilot.tests.factories import AISessionFactory
from knowledge.models import FlowProposal
from knowledge.tests.factories import ProposalFactory, envelope
from resolutionflow.redaction import MARKER, find_secrets

sessions_migration = importlib.import_module("flowpilot.migrations.0015_redact_stored_secrets")
proposals_migration = importlib.import_module("knowledge.migrations.0011_redact_stored_secrets")

SECRET = "Welcome2024!"
LOOK_ALIKE = "Error 0x80070005 after KB5034441; password expired"


def test_stored_sessions_and_their_steps_are_redacted(northwind_engineer):
    session = AISessionFactory(
        engineer=northwind_engineer,
        intake_content={"text": f"{LOOK_ALIKE}; reset it to {SECRET}", "client_name": "Harbour Dental"},
        resolution_summary=f"Set the password to {SECRET}",
        documentation=f"Resolved: set the password to {SECRET}",
        handoff_summary=f"pw: {SECRET}",
        conversation_messages=[{"role": "user", "content": f"the admin pw is {SECRET}"}],
    )
    AISessionStep.objects.create(
        session=session,
        order=1,
        step_type="capture",
        content={"text": "What did you check?"},
        free_text_input=f"Reset it to {SECRET}",
        action_result="Server=db;Password=S3cr3t!;",
        notes=[{"text": f"LAPS password was {SECRET}", "at": "2026-12-01T10:00:00Z"}],
    )

    sessions_migration.redact_sessions(apps, None)

    session = AISession.objects.get(pk=session.pk)
    step = session.steps.get()
    stored = json.dumps(
        [
            session.intake_content,
            session.resolution_summary,
            session.documentation,
            session.handoff_summary,
            session.conversation_messages,
            step.free_text_input,
            step.action_result,
            step.notes,
        ]
    )
    assert SECRET not in stored and "S3cr3t!" not in stored
    assert session.intake_content == {"text": f"{LOOK_ALIKE}; reset it to {MARKER}", "client_name": "Harbour Dental"}
    assert step.notes[0]["at"] == "2026-12-01T10:00:00Z"


def test_stored_proposals_are_redacted(northwind_engineer):
    proposal = ProposalFactory(
        source_session__engineer=northwind_engineer,
        title=f"Reset it to {SECRET}",
        description=f"{LOOK_ALIKE}. The pw is {SECRET}",
        proposed_flow_data=envelope(description=f"password: {SECRET}"),
    )

    proposals_migration.redact_proposals(apps, None)

    proposal = FlowProposal.objects.get(pk=proposal.pk)
    assert SECRET not in json.dumps([proposal.title, proposal.description, proposal.proposed_flow_data])
    assert proposal.description == f"{LOOK_ALIKE}. The pw is {MARKER}"


def test_the_demo_data_comes_out_clean(db):
    call_command("seed_demo", quiet_logins=True)

    texts = []
    for session in AISession.objects.defer("intake_embedding"):
        texts += [session.intake_text, session.resolution_summary, session.documentation, session.handoff_summary]
        texts += [str(m.get("content", "")) for m in session.conversation_messages or []]
    for step in AISessionStep.objects.all():
        texts += [step.free_text_input, step.action_result, *(str(n.get("text", "")) for n in step.notes or [])]
    for proposal in FlowProposal.objects.defer("embedding"):
        texts += [proposal.title, proposal.description or "", json.dumps(proposal.proposed_flow_data)]
        assert len(proposal.title) <= 255 and "…" not in proposal.title
    assert len(texts) > 1000
    assert [text[f.start - 40 : f.end + 10] for text in texts for f in find_secrets(text)] == []
