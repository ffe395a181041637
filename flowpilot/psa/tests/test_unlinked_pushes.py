"""Pushes of a session whose ticket link never verifies do not wait forever, and the Django admin never
edits a verified link's ticket."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from flowpilot import engine
from flowpilot.psa import links, sender, services
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushStatus, TicketLink
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)
from resolutionflow.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NUMBER = "41233"


def resolved_on_unverified_link(engineer, psa):
    psa.unreachable = True
    session = links.start_session(engineer, "Outlook keeps asking for my password", ticket_id=NUMBER)
    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile", worked_minutes=20)
    return session


def waited(seconds: float) -> None:
    """The pushes became due `seconds` ago."""
    PsaPush.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=seconds))


@pytest.mark.parametrize(
    ("link_status", "words"),
    [(LinkStatus.UNVERIFIED, "could not be read from the PSA"), (LinkStatus.NOT_FOUND, "has no ticket")],
)
def test_pushes_on_a_link_that_never_verifies_go_dead_with_the_reason(
    northwind_engineer, connected, settings, link_status, words
):
    session = resolved_on_unverified_link(northwind_engineer, connected)
    TicketLink.objects.filter(session=session).update(status=link_status, checked_at=timezone.now())
    waited(settings.PSA_PUSH_LINK_WAIT_SECONDS - 60)

    early = sender.send_due_pushes()
    assert set(PsaPush.objects.values_list("status", flat=True)) == {PushStatus.PENDING}
    assert "dead_unlinked" not in early

    waited(settings.PSA_PUSH_LINK_WAIT_SECONDS + 60)
    late = sender.send_due_pushes()

    assert late["dead_unlinked"] == 2
    pushes = list(PsaPush.objects.all())
    assert {p.status for p in pushes} == {PushStatus.DEAD} and all(words in p.last_error for p in pushes)
    assert {p.pk for p in pushes} == {
        p.pk for p in PsaPush.objects.filter(status=PushStatus.DEAD, account=session.account)
    }
    assert connected.notes == [] and connected.time_entries == []


def test_a_retried_push_waits_again_and_is_sent_once_the_link_verifies(northwind_engineer, connected, settings):
    session = resolved_on_unverified_link(northwind_engineer, connected)
    TicketLink.objects.filter(session=session).update(checked_at=timezone.now())
    waited(settings.PSA_PUSH_LINK_WAIT_SECONDS + 60)
    sender.send_due_pushes()
    for push in PsaPush.objects.all():
        services.retry_push(push)

    connected.unreachable = False
    TicketLink.objects.update(checked_at=None)
    results = sender.send_due_pushes()

    assert results["succeeded"] == 2 and "dead_unlinked" not in results
    assert len(connected.notes) == 1 and len(connected.time_entries) == 1


def test_the_admins_dead_list_shows_why(client, northwind_engineer, northwind_admin, connected, settings):
    session = resolved_on_unverified_link(northwind_engineer, connected)
    TicketLink.objects.filter(session=session).update(checked_at=timezone.now())
    waited(settings.PSA_PUSH_LINK_WAIT_SECONDS + 60)
    sender.send_due_pushes()
    client.force_login(northwind_admin)

    page = client.get("/psa/pushes/").content.decode()

    assert "could not be read from the PSA" in page


# ── The ticket-link admin ───────────────────────────────────────────────────────────────────────────


@pytest.fixture
def operator():
    browser = Client()
    browser.force_login(UserFactory(email="ops@platform.test", account=None, is_staff=True, is_superuser=True))
    return browser


def test_the_admin_does_not_edit_a_verified_links_ticket(operator, northwind_engineer, connected):
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=NUMBER)
    link = session.ticket_link
    assert link.is_verified

    page = operator.get(f"/admin/flowpilot/ticketlink/{link.pk}/change/")
    operator.post(
        f"/admin/flowpilot/ticketlink/{link.pk}/change/",
        {"provider": "halopsa", "number": "99999", "linked_by": ""},
    )

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "number" not in form.fields and "provider" not in form.fields
    link.refresh_from_db()
    assert (link.provider, link.number, link.status) == ("connectwise", NUMBER, LinkStatus.VERIFIED)


def test_the_admin_may_correct_an_unverified_links_number(operator, northwind_engineer, connected):
    connected.unreachable = True
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id="4123")
    link = session.ticket_link

    page = operator.get(f"/admin/flowpilot/ticketlink/{link.pk}/change/")

    assert "number" in page.context["adminform"].form.fields
