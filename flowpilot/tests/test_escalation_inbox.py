"""The escalations inbox: the page and the API list what waits for me, my team or anyone, oldest or newest
waiting first, with the hand-off; the sidebar counts it; nothing of another account shows."""

from datetime import timedelta
from html import escape

import pytest
from django.utils import timezone

from flowpilot import engine
from flowpilot.models import AISession, SessionHandoff
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from resolutionflow.models import Role
from resolutionflow.testing import assert_foreign_404
from resolutionflow.tests.factories import TeamFactory, UserFactory


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


@pytest.fixture
def sam(northwind, service_desk):
    return UserFactory(email="sam@northwind.test", account=northwind, team=service_desk, role=Role.ENGINEER)


@pytest.fixture
def second_line(northwind):
    return TeamFactory(account=northwind, name="Second line")


@pytest.fixture
def kim(northwind, second_line):
    return UserFactory(email="kim@northwind.test", account=northwind, team=second_line, role=Role.ENGINEER)


def escalate(engineer, intake=LOCKOUT_INTAKE, *, minutes_ago=0, **target):
    session = engine.start_session(engineer, intake, client_name="Acme Dental")
    engine.escalate_session(session, reason=f"Needs help with {intake[:20]}", **target)
    if minutes_ago:
        when = timezone.now() - timedelta(minutes=minutes_ago)
        AISession.objects.filter(pk=session.pk).update(escalated_at=when)
        SessionHandoff.objects.filter(session_id=session.pk).update(escalated_at=when)
    return AISession.objects.get(pk=session.pk)


def page(client, user, query=""):
    client.force_login(user)
    return client.get(f"/escalations/{query}")


def test_the_page_lists_what_was_escalated_to_me_with_the_handoff(client, northwind_engineer, flow, sam, kim):
    mine = escalate(northwind_engineer, target_user=sam)
    escalate(northwind_engineer, "Printer offline on floor 2", target_user=kim)

    response = page(client, sam)

    html = response.content.decode()
    assert response.status_code == 200
    assert escape(str(mine)) in html and "Printer offline" not in html
    assert "Suspected cause" in html and "Suggested next steps" in html and "Acme Dental" in html
    assert f"/sessions/{mine.pk}/pick-up/" in html


def test_the_team_tab_lists_what_was_escalated_to_my_team(client, northwind_engineer, flow, kim, second_line, sam):
    to_team = escalate(northwind_engineer, target_team=second_line)
    escalate(northwind_engineer, "Printer offline on floor 2", target_user=sam)

    html = page(client, kim, "?scope=team").content.decode()

    assert escape(str(to_team)) in html and "Printer offline" not in html
    assert escape(str(to_team)) not in page(client, kim).content.decode()  # not escalated to Kim herself


def test_the_anyone_tab_lists_escalations_to_no_one_in_particular(client, northwind_engineer, flow, sam):
    nobody = escalate(northwind_engineer)

    assert escape(str(nobody)) in page(client, sam, "?scope=anyone").content.decode()


def test_oldest_waiting_first_by_default_and_newest_first_on_request(client, northwind_engineer, flow, sam):
    old = escalate(northwind_engineer, "Printer offline on floor 2", minutes_ago=90, target_user=sam)
    new = escalate(northwind_engineer, "VPN drops every hour", minutes_ago=5, target_user=sam)

    oldest = page(client, sam).content.decode()
    newest = page(client, sam, "?order=newest").content.decode()

    assert oldest.index(escape(str(old))) < oldest.index(escape(str(new)))
    assert newest.index(escape(str(new))) < newest.index(escape(str(old)))


def test_a_picked_up_session_leaves_the_inbox(client, northwind_engineer, flow, sam):
    from flowpilot import escalations

    session = escalate(northwind_engineer, target_user=sam)
    escalations.pick_up_session(session, sam)

    assert escape(str(session)) not in page(client, sam).content.decode()


def test_unknown_filters_fall_back_to_the_defaults(client, northwind_engineer, flow, sam):
    session = escalate(northwind_engineer, target_user=sam)

    response = page(client, sam, "?scope=everyone&order=sideways&page=x")

    assert response.status_code == 200 and escape(str(session)) in response.content.decode()


def test_the_list_page_costs_the_same_queries_for_one_or_many(
    client, northwind_engineer, flow, sam, django_assert_max_num_queries
):
    for n in range(6):
        escalate(northwind_engineer, f"Printer {n} offline on floor 2", target_user=sam)
    client.force_login(sam)

    with django_assert_max_num_queries(8):  # sign-in 3, the badge, the page count, the sessions, their hand-offs
        response = client.get("/escalations/")

    assert response.content.decode().count(">Pick up<") == 6


def test_an_htmx_filter_returns_the_results_piece(client, northwind_engineer, flow, sam):
    escalate(northwind_engineer, target_user=sam)
    client.force_login(sam)

    html = client.get("/escalations/?order=newest", HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<div id="escalation-results"') and "<html" not in html


def test_the_sidebar_counts_what_waits_for_me_and_my_team(client, northwind_engineer, flow, sam, service_desk, kim):
    escalate(northwind_engineer, target_user=sam)
    escalate(northwind_engineer, "Printer offline on floor 2", target_team=service_desk)
    escalate(northwind_engineer, "VPN drops every hour", target_user=kim)
    client.force_login(sam)

    html = client.get("/sessions/").content.decode()

    assert 'data-nav-badge="escalations"' in html
    badge = html.split('data-nav-badge="escalations"', 1)[1].split("<span", 1)[0]
    assert ">2" in badge


def test_nothing_of_another_account_is_listed_or_counted(client, northwind_engineer, flow, contoso_owner):
    escalate(northwind_engineer)  # to anyone: anyone of Northwind

    html = page(client, contoso_owner, "?scope=anyone").content.decode()

    assert "Nothing waiting" in html and "/pick-up/" not in html


# ── API ─────────────────────────────────────────────────────────────────────────────────────────────


def test_the_api_lists_my_escalations_with_the_structured_handoff(api_as, northwind_engineer, flow, sam):
    session = escalate(northwind_engineer, target_user=sam)

    response = api_as(sam).get("/api/v1/escalations")

    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item["id"] == str(session.pk) and item["engineer"] == northwind_engineer.email
    assert item["escalated_to_user"] == sam.email and item["escalation_reason"].startswith("Needs help")
    assert item["handoff_summary"]
    if item["handoff"] is not None:  # structured once the engine writes hand-off rows
        assert {"problem", "environment", "tried", "suspected_cause", "next_steps"} <= set(item["handoff"])


def test_the_api_filters_by_team_and_orders_newest_first(api_as, northwind_engineer, flow, kim, second_line):
    old = escalate(northwind_engineer, "Printer offline on floor 2", minutes_ago=60, target_team=second_line)
    new = escalate(northwind_engineer, "VPN drops every hour", minutes_ago=1, target_team=second_line)

    body = api_as(kim).get("/api/v1/escalations", {"scope": "team", "order": "newest"}).json()

    assert [item["id"] for item in body["results"]] == [str(new.pk), str(old.pk)]


def test_the_api_refuses_an_unknown_scope_or_order_with_400(api_as, sam):
    response = api_as(sam).get("/api/v1/escalations", {"scope": "everyone", "order": "sideways"})

    assert response.status_code == 400 and set(response.json()) >= {"scope", "order"}


def test_the_api_shows_nothing_of_another_account(api_as, northwind_engineer, flow, contoso_owner):
    escalate(northwind_engineer)

    assert api_as(contoso_owner).get("/api/v1/escalations", {"scope": "anyone"}).json()["results"] == []


def test_the_schema_documents_the_escalation_endpoints(api_as, sam):
    paths = api_as(sam).get("/api/v1/schema/").json()["paths"]

    assert "/api/v1/escalations" in paths
    assert {p["name"] for p in paths["/api/v1/escalations"]["get"]["parameters"]} >= {"scope", "order"}
    assert "/api/v1/ai-sessions/{id}/pick-up" in paths and "/api/v1/ai-sessions/{id}/handoffs" in paths


def test_the_inbox_needs_a_sign_in(client):
    assert client.get("/escalations/").status_code == 302


def test_foreign_session_urls_answer_404(northwind_engineer, flow, contoso_owner):
    session = escalate(northwind_engineer)

    assert_foreign_404(contoso_owner, f"/sessions/{session.pk}/pick-up/", method="post")
