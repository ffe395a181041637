import pytest

from flowpilot import engine
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from resolutionflow.testing import assert_foreign_404
from resolutionflow.tests.factories import UserFactory


@pytest.fixture
def flow(northwind):
    return lockout_flow(northwind)


def start(client, text=LOCKOUT_INTAKE, **extra):
    return client.post("/api/v1/ai-sessions", {"intake": text, **extra}, format="json")


def test_starting_a_session_returns_its_tier_match_and_first_step(api_as, northwind_engineer, flow):
    response = start(api_as(northwind_engineer), client_name="Acme", ticket_id="T-42")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "active" and body["confidence_tier"] == "guided"
    assert body["matched_flow_id"] == str(flow.pk) and body["match_score"] >= 0.8
    step = body["current_step"]
    assert {"id", "step_type", "content", "options", "allows_free_text", "flow_node_id"} <= set(step)
    assert step["options"] == ["Yes, locked out", "No", "Can't tell"] and step["flow_node_id"] == "root"
    assert step["allows_free_text"] is True


@pytest.mark.parametrize("intake", ["", "   ", "x" * 10_001])
def test_an_empty_or_oversized_intake_is_400(api_as, northwind_engineer, intake):
    response = start(api_as(northwind_engineer), intake)

    assert response.status_code == 400 and "intake" in response.json()


def test_a_missing_intake_is_400(api_as, northwind_engineer):
    assert api_as(northwind_engineer).post("/api/v1/ai-sessions", {}, format="json").status_code == 400


def test_walking_a_flow_through_the_api_and_resolving(api_as, northwind_engineer, flow):
    client = api_as(northwind_engineer)
    session_id = start(client).json()["id"]

    step = client.post(
        f"/api/v1/ai-sessions/{session_id}/steps", {"selected_option": "Yes, locked out"}, format="json"
    ).json()["current_step"]
    assert step["step_type"] == "action" and step["options"] == []
    step = client.post(f"/api/v1/ai-sessions/{session_id}/steps", {"action_result": "Unlocked"}, format="json").json()[
        "current_step"
    ]
    assert step["step_type"] == "solution" and step["flow_node_id"] == "unlocked"
    resolved = client.post(
        f"/api/v1/ai-sessions/{session_id}/resolve", {"resolution_summary": "Unlocked", "rating": 5}, format="json"
    )

    assert resolved.status_code == 200
    detail = client.get(f"/api/v1/ai-sessions/{session_id}").json()
    assert detail["status"] == "resolved" and detail["analysis_status"] == "pending"
    assert detail["resolved_at"] and detail["matched_flow_id"] == str(flow.pk)
    assert [s["flow_node_id"] for s in detail["steps"]] == ["root", "locked", "unlocked"]


def test_an_option_not_offered_is_400_naming_the_offered_options(api_as, northwind_engineer, flow):
    client = api_as(northwind_engineer)
    session_id = start(client).json()["id"]

    response = client.post(f"/api/v1/ai-sessions/{session_id}/steps", {"selected_option": "Perhaps"}, format="json")

    assert response.status_code == 400
    assert response.json()["offered_options"] == ["Yes, locked out", "No", "Can't tell"]


def test_empty_free_text_is_400_and_two_answers_at_once_are_400(api_as, northwind_engineer, flow):
    client = api_as(northwind_engineer)
    session_id = start(client).json()["id"]

    assert client.post(f"/api/v1/ai-sessions/{session_id}/steps", {"free_text": ""}, format="json").status_code == 400
    both = client.post(f"/api/v1/ai-sessions/{session_id}/steps", {"free_text": "a", "note": "b"}, format="json")
    assert both.status_code == 400


def test_free_text_is_the_escape_and_a_note_stays(api_as, northwind_engineer, flow):
    client = api_as(northwind_engineer)
    session_id = start(client).json()["id"]

    noted = client.post(f"/api/v1/ai-sessions/{session_id}/steps", {"note": "VIP user"}, format="json").json()
    escaped = client.post(
        f"/api/v1/ai-sessions/{session_id}/steps", {"free_text": "Disabled, not locked"}, format="json"
    ).json()

    assert noted["current_step"]["flow_node_id"] == "root" and noted["current_step"]["notes"][0]["text"] == "VIP user"
    assert escaped["current_step"]["step_type"] == "capture"
    steps = client.get(f"/api/v1/ai-sessions/{session_id}").json()["steps"]
    assert steps[0]["was_free_text"] is True


def test_answering_a_closed_session_is_409(api_as, northwind_engineer, flow):
    client = api_as(northwind_engineer)
    session_id = start(client).json()["id"]
    assert client.post(f"/api/v1/ai-sessions/{session_id}/abandon", {"reason": "dup"}, format="json").status_code == 200

    response = client.post(f"/api/v1/ai-sessions/{session_id}/steps", {"selected_option": "No"}, format="json")

    assert response.status_code == 409
    assert client.post(f"/api/v1/ai-sessions/{session_id}/abandon", {}, format="json").status_code == 409


def test_escalating_to_someone_in_the_account(api_as, northwind_engineer, northwind_admin, flow):
    client = api_as(northwind_engineer)
    session_id = start(client).json()["id"]

    response = client.post(
        f"/api/v1/ai-sessions/{session_id}/escalate",
        {"reason": "Needs a domain admin", "target_user_id": str(northwind_admin.pk)},
        format="json",
    )

    assert response.status_code == 200 and response.json()["status"] == "escalated"
    assert "Needs a domain admin" in response.json()["handoff_summary"]


def test_escalating_to_another_accounts_user_is_404(api_as, northwind_engineer, contoso_owner, flow):
    client = api_as(northwind_engineer)
    session_id = start(client).json()["id"]

    response = client.post(
        f"/api/v1/ai-sessions/{session_id}/escalate",
        {"reason": "x", "target_user_id": str(contoso_owner.pk)},
        format="json",
    )

    assert response.status_code == 404


def test_everyone_in_the_account_reads_but_only_the_engineer_target_or_an_admin_acts(
    api_as, northwind, northwind_engineer, northwind_admin, flow
):
    colleague = UserFactory(email="sam@northwind.test", account=northwind, team=northwind_engineer.team)
    session_id = start(api_as(northwind_engineer)).json()["id"]

    reader = api_as(colleague)
    assert reader.get(f"/api/v1/ai-sessions/{session_id}").status_code == 200
    assert (
        reader.post(f"/api/v1/ai-sessions/{session_id}/steps", {"selected_option": "No"}, format="json").status_code
        == 403
    )
    admin = api_as(northwind_admin)
    assert (
        admin.post(f"/api/v1/ai-sessions/{session_id}/steps", {"selected_option": "No"}, format="json").status_code
        == 200
    )


def test_the_escalation_target_may_resolve(api_as, northwind, northwind_engineer, flow):
    target = UserFactory(email="senior@northwind.test", account=northwind)
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)
    engine.escalate_session(session, reason="stuck", target_user=target)

    response = api_as(target).post(
        f"/api/v1/ai-sessions/{session.pk}/resolve", {"resolution_summary": "Fixed by second line"}, format="json"
    )

    assert response.status_code == 200 and response.json()["status"] == "resolved"


def test_switching_flow_through_the_api(api_as, northwind_engineer, northwind, flow):
    from knowledge.tests.factories import TreeFactory

    other = TreeFactory(account=northwind, name="Password expired")
    client = api_as(northwind_engineer)
    session_id = start(client).json()["id"]

    response = client.post(f"/api/v1/ai-sessions/{session_id}/switch-flow", {"flow_id": str(other.pk)}, format="json")

    assert response.status_code == 200 and response.json()["current_step"]["flow_id"] == str(other.pk)
    assert client.get(f"/api/v1/ai-sessions/{session_id}").json()["matched_flow_id"] == str(other.pk)


def test_the_list_filters_by_status_and_keeps_queries_flat(
    api_as, northwind_engineer, flow, django_assert_max_num_queries
):
    client = api_as(northwind_engineer)
    for _ in range(2):
        start(client)
    with django_assert_max_num_queries(6) as few:
        assert client.get("/api/v1/ai-sessions").json()["count"] == 2
    queries_for_two = len(few)  # read now: later requests reset the connection's query log
    for _ in range(4):
        start(client)
    with django_assert_max_num_queries(queries_for_two):
        assert client.get("/api/v1/ai-sessions?status=active").json()["count"] == 6
    assert client.get("/api/v1/ai-sessions?status=resolved").json()["count"] == 0


@pytest.mark.parametrize(
    "suffix,method,data",
    [
        ("", "get", None),
        ("/steps", "post", {"selected_option": "No"}),
        ("/resolve", "post", {"resolution_summary": "x"}),
        ("/escalate", "post", {"reason": "x"}),
        ("/abandon", "post", {}),
        ("/switch-flow", "post", {"flow_id": "00000000-0000-0000-0000-000000000000"}),
    ],
)
def test_another_account_gets_404_on_every_session_url(contoso_owner, northwind_engineer, flow, suffix, method, data):
    session = engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    assert_foreign_404(contoso_owner, f"/api/v1/ai-sessions/{session.pk}{suffix}", method=method, data=data)


def test_another_accounts_sessions_are_not_listed(api_as, contoso_owner, northwind_engineer, flow):
    engine.start_session(northwind_engineer, LOCKOUT_INTAKE)

    assert api_as(contoso_owner).get("/api/v1/ai-sessions").json()["count"] == 0
