"""A PSA that answers 503 with Retry-After is not asked again before then (as for a 429)."""

import pytest

from flowpilot import engine
from flowpilot.psa import connection as connections
from flowpilot.psa import links, sender
from flowpilot.psa.connectors import connector_for
from flowpilot.psa.connectors.base import Provider, PsaServerError
from flowpilot.psa.push_models import PsaPush, PushStatus
from flowpilot.psa.tests.test_pushes_fake_psa import FakePsaConnection

pytestmark = pytest.mark.django_db


def test_a_503s_retry_after_is_read(fake_psa):
    ticket = fake_psa.tickets(Provider.CONNECTWISE)[0]
    fake_psa.fail("GET", "*/service/tickets/*", 503, retry_after="120")

    with connector_for(fake_psa.config(Provider.CONNECTWISE)) as connector, pytest.raises(PsaServerError) as failed:
        connector.get_ticket(str(ticket.id))

    assert failed.value.status == 503 and failed.value.retry_after == 120


def test_a_push_answered_503_with_retry_after_waits_at_least_that_long(northwind_engineer, fake_psa, monkeypatch):
    connection = FakePsaConnection(fake_psa, Provider.HALOPSA)
    monkeypatch.setattr(connections, "enabled_connection", lambda account: connection)
    ticket = fake_psa.tickets(Provider.HALOPSA)[0]
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id=ticket.number)
    engine.escalate_session(session, reason="Needs the Exchange admin")
    fake_psa.fail("POST", "*/Actions", 503, retry_after="900")

    assert sender.send_due_pushes() == {"retry": 1}

    push = PsaPush.objects.get()
    assert push.status == PushStatus.FAILED
    assert (push.next_attempt_at - push.created_at).total_seconds() >= 890
