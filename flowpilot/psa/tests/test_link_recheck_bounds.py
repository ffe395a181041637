"""Re-reading unverified links in the sender's runs is bounded: one account's PSA outage never holds up
another account's pushes, the run's deadline holds, and each account's connector is opened once and closed."""

import time

import pytest

from flowpilot import engine
from flowpilot.psa import connection as connections
from flowpilot.psa import links, sender
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.fake import FakePsa
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushStatus, TicketLink
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)
from flowpilot.tests.factories import AISessionFactory

pytestmark = pytest.mark.django_db


def unverified_links(engineer, count: int, provider: str = "connectwise") -> list[TicketLink]:
    return [
        TicketLink.objects.create(
            account=engineer.account,
            session=AISessionFactory(engineer=engineer, status="active"),
            provider=provider,
            number=str(50000 + n),
        )
        for n in range(count)
    ]


class FakePsaConnection:
    """An account's connection reaching a fake PSA (with the timeout the caller asks for)."""

    def __init__(self, fake, provider):
        self.provider, self._fake = provider, fake
        self._identity = fake.identity(provider)

    def connector_config(self, *, timeout_seconds=None):
        return self._fake.config(self.provider, timeout_seconds=timeout_seconds or 2.0)

    def identity_for(self, user):
        return self._identity


def test_a_hanging_psas_links_do_not_hold_up_another_accounts_push(
    northwind_engineer, contoso_engineer, monkeypatch, settings
):
    settings.PSA_LOOKUP_TIMEOUT_SECONDS = 0.5
    provider = Provider.CONNECTWISE
    with FakePsa() as hanging, FakePsa() as working:
        connected = {
            northwind_engineer.account_id: FakePsaConnection(hanging, provider),
            contoso_engineer.account_id: FakePsaConnection(working, provider),
        }
        monkeypatch.setattr(connections, "enabled_connection", lambda account: connected.get(account.pk))
        ticket = working.tickets(provider)[0]
        session = links.start_session(contoso_engineer, "Outlook prompts", ticket_id=ticket.number)
        engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile", worked_minutes=20)
        unverified_links(northwind_engineer, 50)
        hanging.hang(None, "*", seconds=30, times=10_000)

        started = time.monotonic()
        results = sender.send_due_pushes(max_seconds=2)
        elapsed = time.monotonic() - started

        assert results["succeeded"] == 2
        assert PsaPush.objects.filter(session=session, status=PushStatus.SUCCEEDED).count() == 2
        assert elapsed < 4, f"the run took {elapsed:.1f} s"
        assert len(hanging.requests()) <= 3  # one link's read (the company info, the ticket), then given up
        assert TicketLink.objects.filter(account=northwind_engineer.account, status=LinkStatus.UNVERIFIED).count() == 50


def test_each_account_has_a_few_links_checked_per_run_with_one_connector(
    northwind,
    northwind_engineer,
    memory_psa,  # noqa: F811
    monkeypatch,
):
    memory_psa.connect(northwind)
    for link in unverified_links(northwind_engineer, 8):
        memory_psa.add_ticket(link.number)
    opened = []

    def open_connector(connection, timeout_seconds=None):
        opened.append(connection)
        return memory_psa

    monkeypatch.setattr(links.services, "open_connector", open_connector)

    assert links.verify_due_links(50, per_account=links.LINKS_PER_ACCOUNT) == links.LINKS_PER_ACCOUNT
    assert len(opened) == 1 and memory_psa.closed == 1
    assert links.verify_due_links(50) == 8 - links.LINKS_PER_ACCOUNT  # the rest in the next run


def test_an_unreachable_psa_is_given_up_for_the_run_after_one_link(northwind, northwind_engineer, memory_psa):  # noqa: F811
    memory_psa.connect(northwind)
    memory_psa.unreachable = True
    unverified_links(northwind_engineer, 8)

    assert links.verify_due_links(50) == 0

    assert memory_psa.calls.count("find_ticket") == 1 and memory_psa.closed == 1


def test_a_stopped_run_checks_no_link(northwind, northwind_engineer, memory_psa):  # noqa: F811
    memory_psa.connect(northwind)
    for link in unverified_links(northwind_engineer, 3):
        memory_psa.add_ticket(link.number)

    assert links.verify_due_links(50, stopping=lambda: True) == 0
    assert "find_ticket" not in memory_psa.calls


def test_the_senders_connectors_are_closed_after_the_run(northwind, northwind_engineer, memory_psa):  # noqa: F811
    memory_psa.connect(northwind)
    memory_psa.add_ticket("41233")
    session = links.start_session(northwind_engineer, "Outlook prompts", ticket_id="41233")
    engine.resolve_session(session, resolution_summary="Rebuilt the Outlook profile")
    closed_before = memory_psa.closed

    assert sender.send_due_pushes()["succeeded"] == 2
    assert memory_psa.closed == closed_before + 1
