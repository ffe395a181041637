"""Two analyze_pending runs at once, on the real database, over 200 pending sessions."""

import threading

import pytest
from django.db import connection

from flowpilot import engine
from flowpilot.analysis_queue import analyze_pending
from flowpilot.classify import summarise
from flowpilot.models import AISession, AISessionStep
from knowledge.models import FlowProposal

pytestmark = pytest.mark.serial  # two runners in threads, racing on committed rows

PROBLEMS = [
    "Plotter in the drawing office prints blank pages",
    "Yealink desk phone has one-way audio on external calls",
    "Intune enrollment fails on the new laptop with error 0x80180014",
    "BitLocker recovery key prompt after a BIOS update",
    "Entra Connect stopped syncing new users to Microsoft 365",
    "Sage 50 company file will not open over the network",
    "UPS in the comms cabinet keeps beeping",
    "Hyper-V virtual machine will not start after host reboot",
    "Barcode scanner in the warehouse types garbage characters",
    "SharePoint site shows access denied for the finance team",
]
PER_GROUP = 20


def resolved_capture_sessions(engineer, per_group: int) -> None:
    """One capture session per problem through the engine, then copies of it reported by other users
    (the same rows the engine writes, without matching and resolving each copy again)."""
    for problem in PROBLEMS:
        session = engine.start_session(engineer, f"{problem}, reported by user 0", prefer_capture=True)
        engine.answer_step(session, free_text="Checked the obvious", result="Found the cause")
        engine.resolve_session(session, resolution_summary=f"Fixed: {problem.lower()}")
        session = AISession.objects.get(pk=session.pk)
        steps = list(AISessionStep.objects.filter(session=session))
        for n in range(1, per_group):
            intake = f"{problem}, reported by user {n}"
            session.pk = None
            session.intake_content = {**session.intake_content, "text": intake}
            session.problem_summary = summarise(intake)
            session.save(force_insert=True)
            for step in steps:
                step.pk, step.session = None, session
            AISessionStep.objects.bulk_create(steps)


def unfinished_sessions() -> list[dict]:
    """Each session not completed in exactly one attempt, with what tells why."""
    return list(
        AISession.objects.exclude(analysis_status="completed", analysis_attempts=1).values(
            "id", "analysis_status", "analysis_attempts", "analysis_lease_until", "analysis_error"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_two_runners_give_one_outcome_per_session_and_one_proposal_per_group(northwind_engineer):
    resolved_capture_sessions(northwind_engineer, PER_GROUP)
    assert AISession.objects.filter(analysis_status="pending").count() == 200

    results, errors = [], []

    def run():
        try:
            results.append(analyze_pending())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    runners = [threading.Thread(target=run) for _ in range(2)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()

    assert errors == []
    assert sum(r.total() for r in results) == 200, results
    assert all(r.total() > 0 for r in results), "both runners should have taken a share"
    assert unfinished_sessions() == [], results
    assert AISession.objects.filter(analysis_status="completed", analysis_attempts=1).count() == 200
    proposals = FlowProposal.objects.filter(proposal_type="new_flow")
    assert proposals.count() == len(PROBLEMS)
    assert sorted(p.supporting_session_count for p in proposals) == [PER_GROUP] * len(PROBLEMS)
    every_id = [sid for p in proposals for sid in p.supporting_session_ids]
    assert len(every_id) == len(set(every_id)) == 200
