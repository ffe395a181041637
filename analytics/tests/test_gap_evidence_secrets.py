"""Knowledge gap evidence is built from stored sessions: a secret typed in one never shows in the report."""

import json

from analytics import gaps
from flowpilot import engine

SECRET = "Welcome2024!"


def test_the_gap_report_carries_no_secret(northwind, northwind_engineer):
    for n in range(3):
        session = engine.start_session(
            northwind_engineer, f"Payroll portal blocked by the firewall, pw is {SECRET} ({n})", prefer_capture=True
        )
        engine.answer_step(session, free_text="Checked the web filter log", result=f"password: {SECRET}")
        engine.resolve_session(session, resolution_summary=f"Allowed the portal; reset it to {SECRET}")

    report = json.dumps(gaps.report(northwind, refresh=True), default=str)

    assert "Payroll portal" in report and SECRET not in report
