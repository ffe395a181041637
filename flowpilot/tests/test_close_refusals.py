"""A refused close says why in its toast: the form's own first error, not a generic "check the form"."""

from flowpilot import engine
from flowpilot.psa import links
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)
from resolutionflow.testing import HTMX, toast_of


def test_a_working_time_over_the_cap_is_the_toast_of_the_refused_resolve(
    client,
    northwind_engineer,
    northwind,
    memory_psa,  # noqa: F811 (the fixture imported above)
    settings,
):
    settings.PSA_MAX_TIME_ENTRY_HOURS = 1
    memory_psa.connect(northwind)
    memory_psa.add_ticket("41233")
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id="41233")
    client.force_login(northwind_engineer)

    response = client.post(
        f"/sessions/{session.pk}/resolve/",
        {"resolution_summary": "Rebuilt the profile", "worked_minutes": "100000"},
        **HTMX,
    )

    assert response.status_code == 422
    assert toast_of(response) == {"level": "warning", "message": "Working time is 1 to 60 minutes."}


def test_a_blank_reason_is_the_toast_of_the_refused_escalate(client, northwind_engineer):
    session = engine.start_session(northwind_engineer, "Printer offline on floor 2")
    client.force_login(northwind_engineer)

    response = client.post(f"/sessions/{session.pk}/escalate/", {"reason": "  "}, **HTMX)

    assert response.status_code == 422
    assert toast_of(response)["message"] == "Say why the session is escalated."
