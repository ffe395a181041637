"""An escalation goes to someone who can take it: an active user of the session's account (or one of its
teams). Refused alike through the API (400 with the field), the session page (a form error) and the engine."""

import pytest

from flowpilot import engine
from flowpilot.errors import InvalidAnswer
from flowpilot.models import SessionStatus
from flowpilot.tests.factories import LOCKOUT_INTAKE, lockout_flow
from resolutionflow.tests.factories import UserFactory


@pytest.fixture
def session(northwind, northwind_engineer):
    lockout_flow(northwind)
    return engine.start_session(northwind_engineer, LOCKOUT_INTAKE)


@pytest.fixture
def departed(northwind, service_desk):
    return UserFactory(
        email="gone@northwind.test", full_name="Dana Departed", account=northwind, team=service_desk, is_active=False
    )


def test_the_api_refuses_a_deactivated_escalation_target_with_400(api_as, northwind_engineer, session, departed):
    response = api_as(northwind_engineer).post(
        f"/api/v1/ai-sessions/{session.pk}/escalate",
        {"reason": "Needs a domain admin", "target_user_id": str(departed.pk)},
        format="json",
    )

    assert response.status_code == 400
    assert "deactivated" in response.json()["target_user_id"][0]
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE and session.escalated_to_user is None


def test_the_escalate_page_neither_offers_nor_takes_a_deactivated_user(client, northwind_engineer, session, departed):
    client.force_login(northwind_engineer)
    url = f"/sessions/{session.pk}/escalate/"

    assert "Dana Departed" not in client.get(url).content.decode()
    response = client.post(url, {"reason": "Needs a domain admin", "target": f"user:{departed.pk}"})

    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE and session.escalated_to_user is None


def test_the_engine_refuses_a_deactivated_escalation_target(session, departed):
    with pytest.raises(InvalidAnswer) as refused:
        engine.escalate_session(session, reason="stuck", target_user=departed)

    assert refused.value.field == "target_user_id"
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE
