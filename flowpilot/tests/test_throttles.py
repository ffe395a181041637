"""Per-user rate limits on starting sessions, answering steps and matching, on the API and the session
pages alike (one count per action, counted in the database by one statement per request)."""

import pytest
from rest_framework.settings import api_settings

from flowpilot import engine
from flowpilot.models import AISession
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from resolutionflow.testing import HTMX, hx_triggers, toast_of


@pytest.fixture
def rates(settings):
    """`rates(session_start="2/min", ...)`: tighter limits for one test (the rates are read per request)."""

    def set_rates(**scoped):
        rest = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], **scoped}}

    return set_rates


def start_by_api(client):
    return client.post("/api/v1/ai-sessions", {"intake": "Plotter prints blank pages"}, format="json")


def test_the_default_limits_are_per_minute():
    assert {scope: api_settings.DEFAULT_THROTTLE_RATES[scope] for scope in ("session_start", "session_answer")} == {
        "session_start": "20/min",
        "session_answer": "60/min",
    }
    assert api_settings.DEFAULT_THROTTLE_RATES["flow_match"] == "30/min"


def test_session_starts_over_the_rate_get_429_with_retry_after(api_as, northwind_engineer, rates):
    rates(session_start="2/min")
    client = api_as(northwind_engineer)

    statuses = [start_by_api(client).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    refused = start_by_api(client)
    assert int(refused["Retry-After"]) > 0 and "detail" in refused.json()
    assert AISession.objects.count() == 2
    assert client.get("/api/v1/ai-sessions").status_code == 200  # reading the list is not a start


def test_each_user_has_their_own_count(api_as, northwind_engineer, northwind_admin, rates):
    rates(session_start="1/min")
    assert start_by_api(api_as(northwind_engineer)).status_code == 201
    assert start_by_api(api_as(northwind_engineer)).status_code == 429

    assert start_by_api(api_as(northwind_admin)).status_code == 201


def test_the_intake_page_shares_the_apis_count_and_answers_429_with_a_toast(
    api_as, engineer_client, northwind_engineer, rates
):
    rates(session_start="2/min")
    assert start_by_api(api_as(northwind_engineer)).status_code == 201
    assert engineer_client.post("/sessions/new/", {"intake": "Plotter prints blank pages"}, **HTMX).status_code == 200

    refused = engineer_client.post("/sessions/new/", {"intake": "Plotter prints blank pages"}, **HTMX)

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    toast = toast_of(refused)
    assert toast["level"] == "warning" and toast["message"].startswith("Too many requests in a minute. Wait ")
    assert AISession.objects.count() == 2
    assert engineer_client.get("/sessions/new/").status_code == 200  # the form itself still opens


def test_without_htmx_the_refused_page_says_when_to_try_again(engineer_client, rates):
    rates(session_start="1/min")
    engineer_client.post("/sessions/new/", {"intake": "Plotter prints blank pages"})

    refused = engineer_client.post(
        "/sessions/new/", {"intake": "Plotter prints blank pages"}, HTTP_REFERER="/sessions/new/"
    )

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many requests in a minute. Wait " in page and 'href="/sessions/new/"' in page


def test_answers_are_throttled_on_the_api_and_the_page_together(
    api_as, engineer_client, northwind, northwind_engineer, rates
):
    rates(session_answer="3/min")
    lockout_flow(northwind)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    api = api_as(northwind_engineer)
    steps_url = f"/api/v1/ai-sessions/{session.pk}/steps"

    assert api.post(steps_url, {"note": "VIP"}, format="json").status_code == 200
    assert engineer_client.post(f"/sessions/{session.pk}/answer/", {"note": "Callback at 3"}, **HTMX).status_code == 200
    assert engineer_client.post(f"/sessions/{session.pk}/capture/", **HTMX).status_code == 200

    assert api.post(steps_url, {"note": "one more"}, format="json").status_code == 429
    refused = engineer_client.post(f"/sessions/{session.pk}/answer/", {"note": "one more"}, **HTMX)
    assert refused.status_code == 429 and "toast" in hx_triggers(refused)
    assert [n["text"] for step in session.steps.all() for n in step.notes] == ["VIP", "Callback at 3"]
    resolved = api.post(f"/api/v1/ai-sessions/{session.pk}/resolve", {"resolution_summary": "Unlocked"}, format="json")
    assert resolved.status_code == 200  # closing is not an answer


def test_matching_is_throttled_per_user(api_as, northwind_engineer, rates):
    rates(flow_match="2/min")
    client = api_as(northwind_engineer)

    statuses = [client.post("/api/v1/flows/match", {"text": "VPN drops"}, format="json").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_an_empty_rate_turns_a_limit_off(api_as, northwind_engineer, rates):
    rates(flow_match="")
    client = api_as(northwind_engineer)

    statuses = {client.post("/api/v1/flows/match", {"text": "VPN"}, format="json").status_code for _ in range(5)}

    assert statuses == {200}


def test_an_answer_is_counted_by_one_statement_in_the_database(api_as, northwind_engineer, django_assert_num_queries):
    """Every process sees the same count, and counting costs one query (the database cache cost six)."""
    from resolutionflow.models import RateCount

    client = api_as(northwind_engineer)
    session = engine.start_session(northwind_engineer, "Label printer prints garbage", prefer_capture=True)
    client.post(f"/api/v1/ai-sessions/{session.pk}/steps", {"free_text": "a", "result": "b"}, format="json")
    client.post(f"/api/v1/ai-sessions/{session.pk}/steps", {"free_text": "c", "result": "d"}, format="json")

    count = RateCount.objects.get(key__contains=f"session_answer_{northwind_engineer.pk}")
    assert count.hits == 2
    with django_assert_num_queries(1) as queries:
        from resolutionflow.throttling import count_request

        assert count_request(count.key, 60)[0] == 3
    assert "ON CONFLICT" in queries.captured_queries[0]["sql"]
