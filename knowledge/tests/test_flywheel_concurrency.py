"""Two analyze_pending runs at once, on the real database, over 200 pending sessions."""

import threading

import pytest
from django.db import connection

from flowpilot import engine
from flowpilot.models import AISession
from knowledge.flywheel.runner import analyze_pending
from knowledge.models import FlowProposal

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


@pytest.mark.django_db(transaction=True)
def test_two_runners_give_one_outcome_per_session_and_one_proposal_per_group(northwind_engineer):
    for n in range(PER_GROUP):
        for problem in PROBLEMS:
            session = engine.start_session(northwind_engineer, f"{problem}, reported by user {n}", prefer_capture=True)
            engine.answer_step(session, free_text="Checked the obvious", result="Found the cause")
            engine.resolve_session(session, resolution_summary=f"Fixed: {problem.lower()}")
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
    assert sum(r.total() for r in results) == 200
    assert all(r.total() > 0 for r in results), "both runners should have taken a share"
    assert AISession.objects.filter(analysis_status="completed").count() == 200
    proposals = FlowProposal.objects.filter(proposal_type="new_flow")
    assert proposals.count() == len(PROBLEMS)
    assert sorted(p.supporting_session_count for p in proposals) == [PER_GROUP] * len(PROBLEMS)
    every_id = [sid for p in proposals for sid in p.supporting_session_ids]
    assert len(every_id) == len(set(every_id)) == 200
