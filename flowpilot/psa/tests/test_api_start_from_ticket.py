"""`POST /api/v1/ai-sessions` with a ticket number alone: the ticket's text is the problem, as on the page."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from flowpilot.models import AISession
from flowpilot.psa.push_models import LinkStatus
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NUMBER = "41233"
URL = "/api/v1/ai-sessions"


def test_a_ticket_number_alone_starts_the_session_from_the_ticket(api_as, northwind_engineer, connected):
    response = api_as(northwind_engineer).post(URL, {"ticket_id": NUMBER}, format="json")

    assert response.status_code == 201, response.content
    session = AISession.objects.get()
    assert session.intake_text.startswith("Outlook keeps asking for a password")
    assert "Since this morning Outlook prompts" in session.intake_text
    assert session.ticket_link.status == LinkStatus.VERIFIED
    assert response.json()["ticket_link"]["company"] == "Acme Dental"


@pytest.mark.parametrize("body", [{}, {"intake": ""}, {"intake": "   ", "ticket_id": "  "}])
def test_neither_a_problem_nor_a_ticket_is_a_400_on_intake(api_as, northwind_engineer, connected, body):
    response = api_as(northwind_engineer).post(URL, body, format="json")

    assert response.status_code == 400 and "intake" in response.json()
    assert not AISession.objects.exists()


def test_an_unknown_ticket_and_no_problem_is_a_400_on_ticket_id(api_as, northwind_engineer, connected):
    response = api_as(northwind_engineer).post(URL, {"ticket_id": "99999"}, format="json")

    assert response.status_code == 400 and "ticket_id" in response.json()
    assert not AISession.objects.exists()


def test_an_unreadable_ticket_and_no_problem_is_a_400_on_intake(api_as, northwind_engineer, connected):
    connected.unreachable = True

    response = api_as(northwind_engineer).post(URL, {"ticket_id": NUMBER}, format="json")

    assert response.status_code == 400 and "could not be read" in str(response.json()["intake"])
    assert not AISession.objects.exists()


def test_a_ticket_and_no_problem_without_a_psa_is_a_400_on_intake(api_as, northwind_engineer):
    response = api_as(northwind_engineer).post(URL, {"ticket_id": NUMBER}, format="json")

    assert response.status_code == 400 and "intake" in response.json()
    assert not AISession.objects.exists()


def test_the_schema_says_intake_may_be_left_out():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    component = next(
        body
        for name, body in schema["components"]["schemas"].items()
        if name.startswith("StartSession") and "ticket_id" in body["properties"]
    )

    assert "intake" in component["properties"] and "intake" not in component.get("required", [])
