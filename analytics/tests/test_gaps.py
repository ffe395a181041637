"""Knowledge gap signals on hand-made data, and the analytics API's access rules."""

import json

import pytest
from django.utils import timezone

from analytics import gaps
from flowpilot.models import AISessionStep
from flowpilot.tests.factories import AISessionFactory, lockout_flow
from resolutionflow.ai.embeddings import get_embedder


def step(session, flow, *, free_text="", order=1):
    from flowpilot import rollups

    created = AISessionStep.objects.create(
        session=session,
        order=order,
        step_type="question",
        content={"text": "Is it locked?", "options": ["Yes"]},
        flow=flow,
        flow_node_id="root",
        selected_option="" if free_text else "Yes",
        free_text_input=free_text,
        was_free_text=bool(free_text),
        answered_at=timezone.now(),
    )
    rollups.record_answer(created)  # as the engine does when it records an answer
    return created


def by_type(report, gap_type):
    return [g for g in report["gaps"] if g["gap_type"] == gap_type]


def test_weak_options_flags_a_question_engineers_bypass_with_the_common_answers(northwind, northwind_engineer):
    flow = lockout_flow(northwind)
    answers = ["", "", "Account disabled", "account disabled ", "Account disabled", "Password expired"]
    for text in answers:
        step(AISessionFactory(engineer=northwind_engineer), flow, free_text=text)

    [gap] = by_type(gaps.report(northwind, refresh=True), "weak_options")

    assert gap["severity"] == "medium"  # 4 of 6 = 66.7 %, but fewer than 10 showings
    assert gap["evidence"]["shown"] == 6 and gap["evidence"]["escapes"] == 4
    assert gap["evidence"]["common_answers"][0] == {"text": "account disabled", "count": 3}
    assert gap["id"] == f"weak_options:{flow.pk}:root"


def test_a_question_with_few_showings_is_not_flagged(northwind, northwind_engineer):
    flow = lockout_flow(northwind)
    for text in ["x", "y", "z", "w"]:
        step(AISessionFactory(engineer=northwind_engineer), flow, free_text=text)

    assert by_type(gaps.report(northwind, refresh=True), "weak_options") == []


def test_high_escalation_flags_domains_over_40_percent(northwind, northwind_engineer):
    for n in range(10):
        AISessionFactory(engineer=northwind_engineer, problem_domain="vpn", status="escalated" if n < 5 else "resolved")
    for n in range(10):
        AISessionFactory(
            engineer=northwind_engineer, problem_domain="printing", status="escalated" if n < 4 else "resolved"
        )

    found = by_type(gaps.report(northwind, refresh=True), "high_escalation")

    assert [(g["domain"], g["severity"]) for g in found] == [("vpn", "medium")]
    assert found[0]["evidence"]["escalation_rate"] == 0.5
    assert len(found[0]["evidence"]["example_session_ids"]) == 5


def test_uncharted_territory_ranks_resolved_discovery_sessions_by_domain(northwind, northwind_engineer):
    for _ in range(5):
        AISessionFactory(engineer=northwind_engineer, problem_domain="security", confidence_tier="discovery")
    for _ in range(2):
        AISessionFactory(engineer=northwind_engineer, problem_domain=None, confidence_tier="discovery")

    found = by_type(gaps.report(northwind, refresh=True), "uncharted_territory")

    assert [(g["domain"], g["severity"], g["evidence"]["sessions"]) for g in found] == [
        ("security", "medium", 5),
        (None, "low", 2),
    ]


def test_repeated_patterns_cluster_similar_unmatched_problems(northwind, northwind_engineer):
    embedder = get_embedder()
    texts = [
        "Yealink phone one-way audio on external calls",
        "Yealink desk phone one way audio external calls",
        "One-way audio on Yealink phones for outside calls",
        "Yealink handset external calls one-way audio",
        "BitLocker recovery key prompt after BIOS update",
    ]
    for text in texts:
        AISessionFactory(
            engineer=northwind_engineer,
            confidence_tier="discovery",
            problem_summary=text,
            intake_embedding=embedder.embed_one(text),
            intake_embedding_model=embedder.model_name,
        )

    [gap] = by_type(gaps.report(northwind, refresh=True), "repeated_pattern")

    assert gap["evidence"]["sessions"] == 4 and gap["severity"] == "low"
    assert "Yealink" in gap["title"]


def test_evidence_is_plain_json_and_the_report_is_cached_until_refreshed(northwind, northwind_engineer):
    for _ in range(2):
        AISessionFactory(engineer=northwind_engineer, problem_domain="security", confidence_tier="discovery")
    first = gaps.report(northwind)
    json.dumps(first)  # no Decimal, no UUID objects

    for _ in range(3):
        AISessionFactory(engineer=northwind_engineer, problem_domain="security", confidence_tier="discovery")
    assert gaps.report(northwind) == first
    assert by_type(gaps.report(northwind, refresh=True), "uncharted_territory")[0]["evidence"]["sessions"] == 5


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/analytics/flowpilot",
        "/api/v1/analytics/flowpilot/mttr-trend",
        "/api/v1/analytics/knowledge-gaps",
        "/api/v1/analytics/flowpilot/knowledge-gaps",
    ],
)
def test_analytics_are_for_admins_and_owners(api_as, northwind_engineer, northwind_admin, url):
    assert api_as(northwind_engineer).get(url).status_code == 403
    assert api_as(northwind_admin).get(url).status_code == 200


def test_the_dashboard_api_refuses_an_unknown_period(api_as, northwind_owner):
    response = api_as(northwind_owner).get("/api/v1/analytics/flowpilot?period=1y")

    assert response.status_code == 400 and "period" in response.json()


def test_the_dashboard_api_counts_only_the_users_account(api_as, northwind_owner, contoso_engineer):
    AISessionFactory(engineer=contoso_engineer)
    from flowpilot import rollups

    rollups.rebuild_session_days()

    body = api_as(northwind_owner).get("/api/v1/analytics/flowpilot?period=7d").json()

    assert body["total_sessions"] == 0 and body["period"] == "7d"
    assert "previous" in body and len(body["mttr_trend"]) in (7, 8)


def test_create_flow_from_weak_options_adds_the_answers_as_open_ends(northwind, northwind_engineer, northwind_admin):
    from analytics.services import draft_for_gap

    flow = lockout_flow(northwind)
    for text in ["", "", "Account disabled", "account disabled", "Account disabled", "Password expired"]:
        step(AISessionFactory(engineer=northwind_engineer), flow, free_text=text)
    [gap] = by_type(gaps.report(northwind, refresh=True), "weak_options")

    draft = draft_for_gap(northwind_admin, gap)

    labels = [c["label"] for c in draft.envelope["tree_structure"]["children"]]
    assert labels[:3] == ["Yes, locked out", "No", "Can't tell"] and "Account disabled" in labels
    assert draft.target_flow == flow and draft.source_kind == "gap"
    from knowledge import services

    services.publish_draft(draft, author=northwind_admin)  # the tree it proposes is valid


def test_create_flow_from_uncharted_territory_uses_the_most_complete_session(
    northwind, northwind_engineer, northwind_admin
):
    from analytics.services import draft_for_gap
    from flowpilot import engine

    for extra in range(2):
        session = engine.start_session(
            northwind_engineer, "Sophos firewall blocks the payroll portal", prefer_capture=True
        )
        for n in range(extra + 1):
            engine.answer_step(session, free_text=f"Check {n}", result=f"Finding {n}")
        engine.resolve_session(session, resolution_summary="Added a web exception")
    from flowpilot.models import AISession

    AISession.objects.update(problem_domain="security", confidence_tier="discovery")
    from flowpilot import rollups

    rollups.rebuild_session_days()  # rows changed behind the engine's back
    [gap] = by_type(gaps.report(northwind, refresh=True), "uncharted_territory")

    draft = draft_for_gap(northwind_admin, gap)

    assert draft.envelope["name"] == "Sophos firewall blocks the payroll portal"
    assert draft.envelope["tree_structure"]["instructions"] == "Check 0"
    assert "Check 1" in str(draft.envelope["tree_structure"])
