"""The dashboard's definitions, checked against a hand-computed fixture (and an empty period)."""

from datetime import UTC, datetime, timedelta

import pytest

from analytics import metrics
from flowpilot import rollups
from flowpilot.models import TicketLink
from flowpilot.tests.factories import AISessionFactory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def session(
    engineer,
    *,
    created,
    closed_after=None,
    status="resolved",
    tier="guided",
    domain="printing",
    rating=None,
    steps=0,
    ticket="",
):
    closed = created + timedelta(minutes=closed_after) if closed_after is not None else None
    made = AISessionFactory(
        engineer=engineer,
        created_at=created,
        status=status,
        confidence_tier=tier,
        problem_domain=domain,
        rating=rating,
        answered_step_count=steps,
        intake_content={"text": "x", "ticket_id": ticket},
        resolved_at=closed if status == "resolved" else None,
        escalated_at=closed if status == "escalated" else None,
        abandoned_at=closed if status == "abandoned" else None,
    )
    if ticket:  # a ticket read from the PSA: a verified link
        TicketLink.objects.create(
            session=made, account=made.account, provider="connectwise", number=ticket, status="verified"
        )
    return made


@pytest.fixture
def week(northwind_engineer):
    e = northwind_engineer
    session(e, created=at(19, 10), closed_after=30, rating=5, steps=3, ticket="T-1")
    session(e, created=at(18, 9), closed_after=20, status="escalated", steps=2)
    session(e, created=at(18, 12), closed_after=60, tier="exploring", domain="vpn", rating=3, steps=5, ticket="T-2")
    session(e, created=at(17, 8), closed_after=10, status="abandoned", tier="discovery", domain=None)
    session(e, created=at(20, 11), status="active", tier="discovery", domain="vpn", steps=1)
    session(e, created=at(10, 10), closed_after=40, rating=4)  # the previous week
    rollups.rebuild_session_days()  # factory rows bypass the engine, which keeps the rollups


def test_the_headline_metrics_match_the_hand_computed_values(northwind, week):
    board = metrics.dashboard(northwind, "7d", now=NOW)

    assert board["period"] == "7d"
    assert (
        board["total_sessions"],
        board["resolved_sessions"],
        board["escalated_sessions"],
        board["abandoned_sessions"],
    ) == (5, 2, 1, 1)
    assert board["resolution_rate"] == 50.0
    assert board["avg_steps_to_resolution"] == 4.0
    assert board["avg_session_duration_minutes"] == 30.0
    assert board["avg_rating"] == 4.0
    assert board["mttr_minutes"] == 45.0
    assert board["psa_metrics"]["ticket_link_rate"] == 40.0
    assert board["psa_metrics"]["auto_push_success_rate"] is None


def test_tiers_domains_and_the_previous_period(northwind, week):
    board = metrics.dashboard(northwind, "7d", now=NOW)

    assert board["confidence_breakdown"] == {
        "guided_sessions": 2,
        "guided_resolution_rate": 50.0,
        "exploring_sessions": 1,
        "exploring_resolution_rate": 100.0,
        "discovery_sessions": 2,
        "discovery_resolution_rate": 0.0,
    }
    by_domain = {d["domain"]: d for d in board["sessions_by_domain"]}
    assert by_domain["printing"] == {
        "domain": "printing",
        "total": 2,
        "resolved": 1,
        "escalated": 1,
        "resolution_rate": 50.0,
    }
    assert by_domain["vpn"]["resolution_rate"] == 100.0 and by_domain["unknown"]["total"] == 1
    assert board["previous"].pop("psa_metrics")["ticket_link_rate"] == 0.0
    assert board["previous"] == {
        "total_sessions": 1,
        "resolution_rate": 100.0,
        "mttr_minutes": 40.0,
        "avg_rating": 4.0,
        "ticket_link_rate": 0.0,
    }


def test_the_mttr_trend_has_every_day_and_groups_by_resolution_day(northwind, week):
    trend = metrics.mttr_trend(northwind, 7, NOW)

    assert trend[0]["date"] == "2026-11-14" and trend[-1]["date"] == "2026-11-20" and len(trend) == 7
    by_day = {p["date"]: p for p in trend}
    assert by_day["2026-11-19"] == {"date": "2026-11-19", "mttr_minutes": 30.0, "session_count": 1}
    assert by_day["2026-11-18"]["mttr_minutes"] == 60.0
    assert by_day["2026-11-15"] == {"date": "2026-11-15", "mttr_minutes": None, "session_count": 0}


def test_resolution_days_follow_the_accounts_time_zone(northwind, northwind_engineer):
    northwind.time_zone = "America/New_York"
    northwind.save()
    session(northwind_engineer, created=at(19, 2), closed_after=30)  # 02:30 UTC on the 19th is the 18th in NY
    rollups.rebuild_session_days()

    trend = {p["date"]: p for p in metrics.mttr_trend(northwind, 7, NOW)}

    assert trend["2026-11-18"]["session_count"] == 1 and trend["2026-11-19"]["session_count"] == 0


def test_an_empty_period_has_nulls_not_errors(northwind):
    board = metrics.dashboard(northwind, "30d", now=NOW)

    assert board["total_sessions"] == 0
    assert board["resolution_rate"] is None and board["mttr_minutes"] is None
    assert board["avg_steps_to_resolution"] is None and board["avg_rating"] is None
    assert board["confidence_breakdown"]["guided_resolution_rate"] is None
    assert all(point["mttr_minutes"] is None for point in board["mttr_trend"])


def test_coverage_counts_flows_and_colours_domains(northwind, week, settings):
    from knowledge.tests.factories import TreeFactory

    for _ in range(3):
        TreeFactory(account=northwind, problem_domain="printing")
    TreeFactory(account=northwind, problem_domain="vpn")

    coverage = metrics.dashboard(northwind, "7d", now=NOW, gap_severity={"vpn": "high"})["knowledge_coverage"]

    assert coverage["total_flows"] == 4
    rows = {row["domain"]: row for row in coverage["coverage_by_domain"]}
    assert rows["printing"] == {
        "domain": "printing",
        "flow_count": 3,
        "session_count": 2,
        "guided_rate": 100.0,
        "gap_severity": None,
        "colour": "green",
    }
    assert rows["vpn"]["colour"] == "red"  # an open high-severity gap
    assert rows["unknown"]["colour"] == "red"  # guided rate 0 %


def test_an_unknown_period_is_refused(northwind):
    with pytest.raises(metrics.InvalidPeriod):
        metrics.dashboard(northwind, "365d")
