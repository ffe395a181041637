"""Pushes through the real connectors to the fake PSA server on 127.0.0.1 (each provider's own shapes)."""

import pytest

from flowpilot import engine
from flowpilot.psa import connection as connections
from flowpilot.psa import links, sender
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushKind, PushStatus

WRITES = {
    Provider.CONNECTWISE: ("*/service/tickets/*/notes", "*/time/entries"),
    Provider.HALOPSA: ("*/Actions", "*/Actions"),
    Provider.AUTOTASK: ("*/Tickets/*/Notes", "*/TimeEntries"),
}


class FakePsaConnection:
    """The account's connection, reaching the fake PSA (the settings page's model is tested on its own)."""

    def __init__(self, fake, provider, timeout_seconds=2.0):
        self.provider = provider
        self._config = fake.config(provider, timeout_seconds=timeout_seconds)
        self._identity = fake.identity(provider)

    def connector_config(self, *, timeout_seconds=None):
        return self._config

    def identity_for(self, user):
        return self._identity


@pytest.fixture
def connect(northwind, fake_psa, monkeypatch):
    def connect_to(provider, **options):
        connection = FakePsaConnection(fake_psa, provider, **options)
        connected = {northwind.pk: connection}
        monkeypatch.setattr(connections, "enabled_connection", lambda account: connected.get(account.pk))
        return fake_psa.tickets(provider)[0]

    return connect_to


def due_now():
    from django.utils import timezone

    PsaPush.objects.filter(status=PushStatus.FAILED).update(next_attempt_at=timezone.now())


@pytest.mark.parametrize("provider", list(Provider))
def test_resolve_sends_the_note_and_the_time_entry_to_the_fake_psa(northwind_engineer, fake_psa, connect, provider):
    ticket = connect(provider)
    session = links.start_session(northwind_engineer, "", ticket_id=ticket.number)
    assert session.ticket_link.status == LinkStatus.VERIFIED
    assert ticket.summary in session.intake_text  # the ticket pre-filled the problem

    session = engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile", worked_minutes=30)
    results = sender.send_due_pushes()

    assert results["succeeded"] == 2
    notes = fake_psa.notes(provider, ticket.id)
    entries = fake_psa.time_entries(provider, ticket.id)
    markers = {p.kind: p.marker for p in PsaPush.objects.filter(session=session)}
    assert [markers[PushKind.NOTE] in n.text for n in notes].count(True) == 1
    assert len(entries) == 1 and markers[PushKind.TIME_ENTRY] in entries[0].notes
    assert "Rebuilt the Outlook profile" in next(n.text for n in notes if markers[PushKind.NOTE] in n.text)


def test_a_timeout_after_the_psa_stored_the_note_does_not_write_it_again(northwind_engineer, fake_psa, connect):
    ticket = connect(Provider.CONNECTWISE, timeout_seconds=0.5)
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=ticket.number)
    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile")
    fake_psa.hang("POST", WRITES[Provider.CONNECTWISE][0], seconds=1.5, after_store=True)
    before = len(fake_psa.notes(Provider.CONNECTWISE, ticket.id))

    first = sender.send_due_pushes()
    due_now()
    second = sender.send_due_pushes()

    assert first == {"succeeded": 1, "retry": 1} and second == {"succeeded": 1}
    assert len(fake_psa.notes(Provider.CONNECTWISE, ticket.id)) == before + 1
    assert len(fake_psa.time_entries(Provider.CONNECTWISE, ticket.id)) == 1
    note = PsaPush.objects.get(kind=PushKind.NOTE)
    assert note.first_attempt_succeeded is False and note.external_id


def test_a_429_waits_for_its_retry_after(northwind_engineer, fake_psa, connect):
    ticket = connect(Provider.HALOPSA)
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=ticket.number)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    fake_psa.fail("POST", "*/Actions", 429, retry_after="600")

    assert sender.send_due_pushes() == {"retry": 1}

    push = PsaPush.objects.get()
    assert (push.next_attempt_at - push.created_at).total_seconds() >= 590
    assert "429" in push.last_error or "RateLimited" in push.last_error
