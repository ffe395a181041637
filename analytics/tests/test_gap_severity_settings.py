"""Gap severities follow the GAP_SEVERITY_* settings; turning a gap into a draft raises domain errors."""

import pytest

from analytics import gaps, services
from analytics.errors import GapHasNoStructure, GapNotFound
from analytics.tests.test_gaps import by_type, step
from flowpilot.tests.factories import AISessionFactory, lockout_flow


def test_session_counted_gaps_are_high_from_the_sessions_setting(settings, northwind, northwind_engineer):
    settings.GAP_SEVERITY_HIGH_SESSIONS = 5
    for _ in range(5):
        AISessionFactory(engineer=northwind_engineer, problem_domain="security", confidence_tier="discovery")

    [gap] = by_type(gaps.report(northwind, refresh=True), "uncharted_territory")

    assert gap["severity"] == "high"


def test_escalation_gaps_are_high_from_the_escalation_rate_setting(settings, northwind, northwind_engineer):
    settings.GAP_SEVERITY_HIGH_ESCALATION_RATE = 0.5
    for n in range(10):
        AISessionFactory(engineer=northwind_engineer, problem_domain="vpn", status="escalated" if n < 5 else "resolved")

    [gap] = by_type(gaps.report(northwind, refresh=True), "high_escalation")

    assert gap["severity"] == "high"


def test_weak_options_are_high_over_the_showings_setting(settings, northwind, northwind_engineer):
    settings.GAP_SEVERITY_HIGH_ESCAPE_SHOWINGS = 6
    flow = lockout_flow(northwind)
    for text in ["", "", "Account disabled", "account disabled", "Account disabled", "Password expired"]:
        step(AISessionFactory(engineer=northwind_engineer), flow, free_text=text)

    [gap] = by_type(gaps.report(northwind, refresh=True), "weak_options")

    assert gap["severity"] == "high"  # 4 of 6 escape, over the 6 showings asked for


def test_a_gap_no_longer_reported_is_a_domain_error(northwind):
    with pytest.raises(GapNotFound):
        services.find_gap(northwind, "uncharted_territory:security")


def test_an_escalation_gap_has_no_structure_to_draft(northwind, northwind_admin, northwind_engineer):
    for n in range(10):
        AISessionFactory(engineer=northwind_engineer, problem_domain="vpn", status="escalated" if n < 5 else "resolved")
    [gap] = by_type(gaps.report(northwind, refresh=True), "high_escalation")

    with pytest.raises(GapHasNoStructure):
        services.draft_for_gap(northwind_admin, gap)
