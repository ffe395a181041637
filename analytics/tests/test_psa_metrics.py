"""psa_metrics against a hand-computed fixture, including the double-count case: a push that failed and then
succeeded counts once (as a retry success), and a push still failing counts nowhere."""

from datetime import UTC, datetime

import pytest

from analytics import metrics
from flowpilot import rollups
from flowpilot.models import PsaPush, TicketLink
from flowpilot.tests.factories import AISessionFactory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(day, hour=10):
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def linked(engineer, created, status=None):
    session = AISessionFactory(engineer=engineer, created_at=created)
    if status:
        TicketLink.objects.create(
            session=session, account=session.account, provider="connectwise", number="1", status=status
        )
    return session


def push(session, created, kind="note", status="succeeded", first=None, hours=None):
    payload = {"start": "", "end": "", "hours": hours, "notes": ""} if kind == "time_entry" else {"text": "x"}
    made = PsaPush.objects.create(
        account=session.account,
        session=session,
        kind=kind,
        payload=payload,
        status=status,
        first_attempt_succeeded=first,
    )
    PsaPush.objects.filter(pk=made.pk).update(created_at=created)
    return made


@pytest.fixture
def fixture(northwind_engineer, contoso_engineer):
    e = northwind_engineer
    verified = linked(e, at(19), "verified")
    linked(e, at(18), "verified")
    linked(e, at(17), "unverified")
    linked(e, at(16), "not_found")
    linked(e, at(15))  # no ticket
    push(verified, at(19), first=True)  # A: succeeded at the first attempt
    push(verified, at(19), kind="time_entry", first=True, hours="1.50")  # B: idem, 1.5 h
    push(verified, at(18), first=False)  # C: failed, then succeeded: one retry success
    push(verified, at(18), kind="time_entry", first=False, hours="0.25")  # D: idem, 0.25 h
    push(verified, at(17), status="dead", first=False)  # E: gave up
    push(verified, at(17), kind="time_entry", status="dead", first=False, hours="2.00")  # H: dead, no hours
    push(verified, at(16), status="failed", first=False)  # F: still failing: counts nowhere
    push(verified, at(16), kind="time_entry", status="pending", hours="3.00")  # G: not tried: nowhere
    earlier = linked(e, at(10), "verified")  # the previous week: one session, linked, one push retried
    push(earlier, at(10), first=False)
    push(earlier, at(2), first=True)  # before both periods
    other = linked(contoso_engineer, at(19), "verified")  # another account: never counted
    push(other, at(19), first=True)
    push(other, at(19), kind="time_entry", first=True, hours="5.00")
    rollups.rebuild_session_days()


def test_psa_metrics_match_the_hand_computed_values(northwind, fixture):
    board = metrics.dashboard(northwind, "7d", now=NOW)

    assert board["total_sessions"] == 5
    assert board["psa_metrics"] == {
        "ticket_link_rate": 40.0,  # 2 verified links over 5 sessions
        "unverified_link_rate": 40.0,  # unverified and not found
        "auto_push_success_rate": round(100 * 2 / 6, 4),  # A, B over final A B C D E H
        "auto_push_retry_success_rate": round(100 * 2 / 6, 4),  # C, D: once each, not also as failures
        "total_time_entries_logged": 2,  # B, D
        "total_hours_logged": 1.75,
    }


def test_the_previous_period_has_its_own_psa_metrics(northwind, fixture):
    previous = metrics.dashboard(northwind, "7d", now=NOW)["previous"]

    assert previous["ticket_link_rate"] == 100.0
    assert previous["psa_metrics"] == {
        "ticket_link_rate": 100.0,
        "unverified_link_rate": 0.0,
        "auto_push_success_rate": 0.0,
        "auto_push_retry_success_rate": 100.0,
        "total_time_entries_logged": 0,
        "total_hours_logged": 0.0,
    }


def test_without_final_pushes_the_push_rates_are_null(northwind, northwind_engineer):
    linked(northwind_engineer, at(19), "verified")
    rollups.rebuild_session_days()

    psa = metrics.dashboard(northwind, "7d", now=NOW)["psa_metrics"]

    assert psa["auto_push_success_rate"] is None and psa["auto_push_retry_success_rate"] is None
    assert psa["total_time_entries_logged"] == 0 and psa["ticket_link_rate"] == 100.0


def test_the_dashboard_shows_the_psa_figures_and_the_period_before(client, northwind_admin, fixture, monkeypatch):
    monkeypatch.setattr(metrics.timezone, "now", lambda: NOW)
    client.force_login(northwind_admin)

    page = client.get("/analytics/?period=7d").content.decode()

    assert 'data-psa-metric="auto_push_retry_success_rate"' in page
    assert "33.3 %" in page and "1.8 h" in page and "100.0 %" in page
