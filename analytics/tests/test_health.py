"""Flow health: per-flow figures from the usage counters, the rollup and the flywheel's records; guided accuracy."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import health
from flowpilot import engine
from flowpilot.models import FlowNodeDay
from flowpilot.tests.factories import LOCKOUT_INTAKE, AISessionFactory, lockout_flow
from knowledge.models import Tree
from knowledge.tests.factories import ProposalFactory, TreeFactory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def answered(flow, node_id, *, shown, escapes, day=TODAY):
    """The rollup the engine keeps: `shown` answers to a flow question, `escapes` of them free text."""
    FlowNodeDay.objects.create(flow=flow, node_id=node_id, day=day, shown=shown, escapes=escapes)


def reinforced(flow, engineer, times=1):
    for _ in range(times):
        ProposalFactory(engineer=engineer, proposal_type="enhancement", status="auto_reinforced", target_flow=flow)


def usage(flow, **counters):
    Tree.objects.filter(pk=flow.pk).update(**counters)


def test_a_flow_row_reads_the_usage_counters_the_rollup_and_the_reinforcements(northwind, northwind_engineer):
    flow = TreeFactory(account=northwind, name="Printer offline", problem_domain="printing")
    usage(flow, times_matched=12, times_followed=10, success_count=7, success_rate=0.7, last_matched_at=NOW)
    answered(flow, "n-root", shown=8, escapes=2)
    answered(flow, "n-root", shown=2, escapes=1, day=TODAY - timedelta(days=200))  # all time
    answered(flow, "n-0", shown=5, escapes=0)
    reinforced(flow, northwind_engineer, times=3)
    ProposalFactory(engineer=northwind_engineer, proposal_type="enhancement", status="pending", target_flow=flow)

    [row] = health.flow_rows(northwind)

    assert row["name"] == "Printer offline" and row["problem_domain"] == "printing"
    assert (row["times_matched"], row["times_followed"], row["last_matched_at"]) == (12, 10, NOW)
    assert row["success_rate"] == pytest.approx(70.0)  # percent, like every analytics rate
    assert (row["escapes"], row["questions_answered"]) == (3, 15)
    assert row["escape_rate"] == pytest.approx(20.0)
    assert row["escapes_often"] is False  # below WEAK_OPTIONS_ESCAPE_RATE (25 %)
    assert row["reinforcements"] == 3  # auto_reinforced records only


def test_a_flow_nobody_used_has_zeros_and_undefined_rates(northwind):
    TreeFactory(account=northwind)

    [row] = health.flow_rows(northwind)

    assert (row["times_matched"], row["questions_answered"], row["escapes"], row["reinforcements"]) == (0, 0, 0, 0)
    assert row["success_rate"] is None and row["escape_rate"] is None and row["last_matched_at"] is None
    assert row["escapes_often"] is False


def test_a_flow_escaped_as_often_as_a_weak_option_is_flagged(northwind, settings):
    settings.WEAK_OPTIONS_ESCAPE_RATE = 0.25
    flow = TreeFactory(account=northwind)
    answered(flow, "n-root", shown=8, escapes=2)

    [row] = health.flow_rows(northwind)

    assert row["escape_rate"] == pytest.approx(25.0) and row["escapes_often"] is True


def test_an_escape_in_a_real_session_counts_against_its_flow(northwind, northwind_engineer):
    flow = lockout_flow(northwind)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(session, free_text="The account is disabled, not locked")
    followed = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.answer_step(followed, selected_option="No")

    [row] = health.flow_rows(northwind)

    assert row["id"] == flow.pk and row["times_matched"] == 2
    assert (row["escapes"], row["questions_answered"], row["escape_rate"]) == (1, 2, 50.0)


def test_only_published_flows_of_the_account_most_matched_first(northwind, contoso):
    quiet = TreeFactory(account=northwind, name="A quiet flow")
    busy = TreeFactory(account=northwind, name="Busy flow")
    usage(busy, times_matched=30)
    TreeFactory(account=northwind, name="A draft", publish=False)
    usage(TreeFactory(account=contoso, name="Contoso's flow"), times_matched=99)

    rows = health.flow_rows(northwind)

    assert [r["id"] for r in rows] == [busy.pk, quiet.pk]
    assert health.report(northwind)["flow_count"] == 2


def test_the_table_shows_the_most_matched_flows_and_counts_them_all(northwind):
    for matched in range(5):
        usage(TreeFactory(account=northwind, name=f"Flow {matched}"), times_matched=matched)

    board = health.report(northwind, limit=3)

    assert [r["name"] for r in board["flows"]] == ["Flow 4", "Flow 3", "Flow 2"]
    assert board["flow_count"] == 5


def test_the_panel_costs_the_same_few_queries_for_many_flows(northwind, northwind_engineer):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            health.report(northwind, "30d")
        return len(captured)

    flow = TreeFactory(account=northwind)
    answered(flow, "n-root", shown=3, escapes=1)
    few = queries()
    for _ in range(15):
        other = TreeFactory(account=northwind)
        answered(other, "n-root", shown=4, escapes=1)
        reinforced(other, northwind_engineer)

    assert queries() == few == 3


def session(engineer, *, tier="guided", status="resolved", escaped=False, created=NOW - timedelta(days=2)):
    return AISessionFactory(
        engineer=engineer,
        created_at=created,
        confidence_tier=tier,
        status=status,
        left_flow_reason="free_text" if escaped else "",
    )


def test_guided_accuracy_is_the_share_of_closed_guided_sessions_resolved_without_an_escape(northwind_engineer):
    e = northwind_engineer
    session(e)
    session(e)
    session(e, escaped=True)  # resolved, but the engineer left the flow by free text
    session(e, status="escalated")
    session(e, status="abandoned")
    session(e, status="active")  # not closed: no outcome yet
    session(e, tier="exploring")  # not guided
    session(e, created=NOW - timedelta(days=40))  # before the period

    accuracy = health.report(e.account, "30d", now=NOW)["guided"]

    assert accuracy == {"guided_closed": 5, "resolved_without_escape": 2, "rate": 40.0}


def test_the_period_is_calendar_days_in_the_accounts_time_zone(northwind, northwind_engineer):
    northwind.time_zone = "America/New_York"
    northwind.save()
    session(northwind_engineer, created=datetime(2026, 11, 14, 3, 0, tzinfo=UTC))  # the 13th in New York
    session(northwind_engineer, created=datetime(2026, 11, 14, 6, 0, tzinfo=UTC))  # 01:00 on the 14th

    accuracy = health.report(northwind, "7d", now=NOW)["guided"]  # the 14th to the 20th, New York days

    assert accuracy["guided_closed"] == 1


def test_an_open_end_is_not_an_escape(northwind_engineer):
    AISessionFactory(
        engineer=northwind_engineer,
        created_at=NOW - timedelta(days=1),
        confidence_tier="guided",
        left_flow_reason="open_end",
    )

    accuracy = health.report(northwind_engineer.account, "7d", now=NOW)["guided"]

    assert accuracy["resolved_without_escape"] == 1 and accuracy["rate"] == 100.0


def test_no_guided_sessions_means_no_accuracy_rather_than_zero(northwind):
    assert health.report(northwind, "7d", now=NOW)["guided"] == {
        "guided_closed": 0,
        "resolved_without_escape": 0,
        "rate": None,
    }


def test_other_accounts_guided_sessions_are_not_counted(northwind, contoso_engineer):
    session(contoso_engineer)

    assert health.report(northwind, "30d", now=NOW)["guided"]["guided_closed"] == 0
