"""Sessions start from a PSA ticket and keep their link; a link is verified by reading the ticket."""

import pytest

from flowpilot import engine
from flowpilot.errors import LinkLocked
from flowpilot.models import AISession
from flowpilot.psa import links
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushStatus, TicketLink
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)

NUMBER = "41233"


def test_the_intake_is_prefilled_from_a_ticket_number(client, northwind_engineer, connected):
    client.force_login(northwind_engineer)

    response = client.get("/sessions/new/from-ticket/", {"ticket_id": NUMBER})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Outlook keeps asking for a password" in page and "Since this morning Outlook prompts" in page
    assert 'value="Acme Dental"' in page and f'value="{NUMBER}"' in page


def test_an_unknown_ticket_number_is_said_so_on_the_intake(client, northwind_engineer, connected):
    client.force_login(northwind_engineer)

    response = client.get("/sessions/new/from-ticket/", {"ticket_id": "99999"})

    assert response.status_code == 200 and "The PSA has no ticket 99999" in response.content.decode()


def test_starting_with_a_ticket_number_links_the_session_to_the_verified_ticket(client, northwind_engineer, connected):
    client.force_login(northwind_engineer)

    response = client.post("/sessions/new/", {"intake": "Outlook prompts for a password", "ticket_id": NUMBER})

    session = AISession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    link = session.ticket_link
    assert (link.status, link.ticket_id, link.summary, link.company) == (
        LinkStatus.VERIFIED,
        f"id-{NUMBER}",
        "Outlook keeps asking for a password",
        "Acme Dental",
    )
    assert link.verified_at is not None and session.intake_content["ticket_id"] == NUMBER
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert 'id="psa-panel"' in page and "Acme Dental" in page and 'name="worked_minutes"' in page


def test_a_ticket_number_the_psa_does_not_know_is_refused_at_intake(client, northwind_engineer, connected):
    client.force_login(northwind_engineer)

    response = client.post("/sessions/new/", {"intake": "Outlook prompts", "ticket_id": "99999"})

    assert response.status_code == 422 and "The PSA has no ticket 99999" in response.content.decode()
    assert not AISession.objects.exists()


def test_an_unreachable_psa_keeps_the_link_unverified(client, northwind_engineer, connected):
    connected.unreachable = True
    client.force_login(northwind_engineer)

    client.post("/sessions/new/", {"intake": "Outlook prompts", "ticket_id": NUMBER})

    link = AISession.objects.get().ticket_link
    assert link.status == LinkStatus.UNVERIFIED and link.ticket_id == "" and link.verified_at is None


def test_check_again_verifies_an_unverified_link(client, northwind_engineer, connected):
    connected.unreachable = True
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    connected.unreachable = False
    client.force_login(northwind_engineer)

    response = client.post(f"/sessions/{session.pk}/ticket/check/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "verified" in response["HX-Trigger"]
    assert TicketLink.objects.get().status == LinkStatus.VERIFIED


def test_a_ticket_can_be_linked_to_a_running_session(client, northwind_engineer, connected):
    session = engine.start_session(northwind_engineer, "Outlook prompts")
    client.force_login(northwind_engineer)

    response = client.post(f"/sessions/{session.pk}/ticket/", {"ticket_id": NUMBER}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and 'id="psa-panel"' in response.content.decode()
    link = TicketLink.objects.get(session=session)
    assert link.is_verified and link.linked_by == northwind_engineer
    assert AISession.objects.get(pk=session.pk).intake_content["ticket_id"] == NUMBER


def test_linking_an_unknown_number_is_refused_with_the_reason(client, northwind_engineer, connected):
    session = engine.start_session(northwind_engineer, "Outlook prompts")
    client.force_login(northwind_engineer)

    response = client.post(f"/sessions/{session.pk}/ticket/", {"ticket_id": "99999"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 422 and "The PSA has no ticket 99999" in response.content.decode()
    assert not TicketLink.objects.exists()


def test_a_verified_link_with_pushes_on_their_way_stays(northwind_engineer, connected):
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    connected.add_ticket("50000")

    with pytest.raises(LinkLocked):
        links.link_ticket(session, "50000", user=northwind_engineer)

    assert TicketLink.objects.get().number == NUMBER
    assert PsaPush.objects.get().status == PushStatus.PENDING


def test_someone_who_cannot_act_on_the_session_cannot_link_it(client, northwind_engineer, connected, northwind):
    from resolutionflow.tests.factories import UserFactory

    colleague = UserFactory(account=northwind, role="engineer")
    session = engine.start_session(northwind_engineer, "Outlook prompts")
    client.force_login(colleague)

    assert client.post(f"/sessions/{session.pk}/ticket/", {"ticket_id": NUMBER}).status_code == 403
    assert not TicketLink.objects.exists()


def test_my_open_tickets_lists_the_engineers_tickets(client, northwind_engineer, connected):
    client.force_login(northwind_engineer)

    response = client.get("/sessions/new/open-tickets/", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200 and "Outlook keeps asking for a password" in page
    assert f"/sessions/new/from-ticket/?ticket_id={NUMBER}" in page and "<html" not in page


def test_my_open_tickets_says_when_the_psa_is_unreachable(client, northwind_engineer, connected):
    connected.unreachable = True
    client.force_login(northwind_engineer)

    response = client.get("/sessions/new/open-tickets/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "could not be reached" in response.content.decode()


def test_the_resolved_page_says_where_the_documentation_goes(client, northwind_engineer, connected):
    linked = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    engine.resolve_session(linked, resolution_summary="Rebuilt the profile")
    plain = engine.start_session(northwind_engineer, "Printer offline")
    engine.resolve_session(plain, resolution_summary="Restarted the spooler")
    client.force_login(northwind_engineer)

    linked_page = client.get(f"/sessions/{linked.pk}/").content.decode()
    plain_page = client.get(f"/sessions/{plain.pk}/").content.decode()

    assert "Paste it into the ticket" not in linked_page and f"It goes to ticket {NUMBER}" in linked_page
    assert 'data-push-kind="time_entry"' in linked_page and 'data-push-status="pending"' in linked_page
    assert "Paste it into the ticket" in plain_page


def test_the_resolve_dialog_logs_the_edited_working_time(client, northwind_engineer, connected):
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    client.force_login(northwind_engineer)

    response = client.post(
        f"/sessions/{session.pk}/resolve/", {"resolution_summary": "Rebuilt the profile", "worked_minutes": "90"}
    )

    assert response.status_code == 302
    entry = PsaPush.objects.get(kind="time_entry")
    assert entry.payload["hours"] == "1.50"


def test_a_working_time_over_the_cap_is_a_form_error(client, northwind_engineer, connected, settings):
    settings.PSA_MAX_TIME_ENTRY_HOURS = 1
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    client.force_login(northwind_engineer)

    response = client.post(
        f"/sessions/{session.pk}/resolve/", {"resolution_summary": "Rebuilt the profile", "worked_minutes": "61"}
    )

    assert response.status_code == 422 and "Working time is 1 to 60 minutes" in response.content.decode()
    assert AISession.objects.get(pk=session.pk).status == "active"


def test_the_api_starts_a_linked_session_and_refuses_an_unknown_ticket(api_as, northwind_engineer, connected):
    api = api_as(northwind_engineer)

    created = api.post("/api/v1/ai-sessions", {"intake": "Outlook prompts", "ticket_id": NUMBER}, format="json")
    refused = api.post("/api/v1/ai-sessions", {"intake": "Outlook prompts", "ticket_id": "99999"}, format="json")

    assert created.status_code == 201 and created.json()["ticket_link"]["status"] == "verified"
    assert created.json()["ticket_link"]["company"] == "Acme Dental"
    assert refused.status_code == 400 and "ticket_id" in refused.json()


def test_the_api_resolve_takes_the_working_time_and_shows_the_pushes(api_as, northwind_engineer, connected):
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    api = api_as(northwind_engineer)

    response = api.post(
        f"/api/v1/ai-sessions/{session.pk}/resolve",
        {"resolution_summary": "Rebuilt the profile", "worked_minutes": 30},
        format="json",
    )

    body = response.json()
    assert response.status_code == 200
    assert [(p["kind"], p["status"]) for p in body["psa_pushes"]] == [("note", "pending"), ("time_entry", "pending")]
    assert body["psa_pushes"][1]["hours"] == "0.50"
    unlinked = engine.start_session(northwind_engineer, "Printer offline")
    refused = api.post(
        f"/api/v1/ai-sessions/{unlinked.pk}/resolve",
        {"resolution_summary": "Fixed", "worked_minutes": 0},
        format="json",
    )
    assert refused.status_code == 400 and "worked_minutes" in refused.json()


@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "/sessions/{session}/ticket/"),
        ("post", "/sessions/{session}/ticket/check/"),
        ("post", "/psa/pushes/{push}/retry/"),
    ],
)
def test_another_accounts_session_or_push_answers_404(
    client, northwind_engineer, contoso_owner, connected, method, path
):
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    push = PsaPush.objects.get()
    PsaPush.objects.update(status=PushStatus.DEAD)
    client.force_login(contoso_owner)

    response = getattr(client, method)(path.format(session=session.pk, push=push.pk), {"ticket_id": "1"})

    assert response.status_code == 404
    assert PsaPush.objects.get().status == PushStatus.DEAD and TicketLink.objects.get().number == NUMBER


def test_another_accounts_dead_pushes_are_not_listed(client, northwind_engineer, contoso_owner, connected):
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    PsaPush.objects.update(status=PushStatus.DEAD, last_error="PsaAuthError: northwind secret error")
    client.force_login(contoso_owner)

    page = client.get("/psa/pushes/").content.decode()

    assert "northwind secret error" not in page and "No failed pushes" in page


def test_the_api_links_a_running_session_to_a_ticket(api_as, northwind_engineer, connected):
    session = engine.start_session(northwind_engineer, "Outlook prompts")
    api = api_as(northwind_engineer)

    linked = api.post(f"/api/v1/ai-sessions/{session.pk}/ticket", {"ticket_id": NUMBER}, format="json")
    unknown = api.post(f"/api/v1/ai-sessions/{session.pk}/ticket", {"ticket_id": "99999"}, format="json")
    blank = api.post(f"/api/v1/ai-sessions/{session.pk}/ticket", {}, format="json")

    assert linked.status_code == 200 and linked.json()["status"] == "verified"
    assert linked.json()["summary"] == "Outlook keeps asking for a password"
    assert unknown.status_code == 400 and "ticket_id" in unknown.json()
    assert blank.status_code == 400 and "ticket_id" in blank.json()
    assert api.get(f"/api/v1/ai-sessions/{session.pk}").json()["ticket_link"]["number"] == NUMBER


def test_the_api_keeps_a_verified_ticket_with_pushes_on_their_way(api_as, northwind_engineer, connected):
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    connected.add_ticket("50000")

    response = api_as(northwind_engineer).post(
        f"/api/v1/ai-sessions/{session.pk}/ticket", {"ticket_id": "50000"}, format="json"
    )

    assert response.status_code == 409 and TicketLink.objects.get().number == NUMBER


def test_the_api_ticket_link_answers_404_to_another_account_and_403_to_a_bystander(
    api_as, northwind_engineer, contoso_owner, northwind, connected
):
    from resolutionflow.tests.factories import UserFactory

    session = engine.start_session(northwind_engineer, "Outlook prompts")
    bystander = UserFactory(account=northwind, role="engineer")
    url = f"/api/v1/ai-sessions/{session.pk}/ticket"

    assert api_as(contoso_owner).post(url, {"ticket_id": NUMBER}, format="json").status_code == 404
    assert api_as(bystander).post(url, {"ticket_id": NUMBER}, format="json").status_code == 403
    assert not TicketLink.objects.exists()


def test_a_link_verified_later_takes_the_number_the_psa_gives(northwind_engineer, connected):
    connected.unreachable = True
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id="7")
    connected.unreachable = False
    connected.tickets["7"] = connected.add_ticket("T20261207.0007")

    link = links.verify_link(session.ticket_link)

    link.refresh_from_db()
    assert (link.status, link.number, link.ticket_id) == (LinkStatus.VERIFIED, "T20261207.0007", "id-T20261207.0007")
