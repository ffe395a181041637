"""The fake PSA as a real HTTP server on 127.0.0.1 (a free port), fresh for each test that asks for it.

The connector fixtures below speak to it as the PSA a test module names in its `provider` fixture.
"""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest

from flowpilot.psa.connectors import connector_for
from flowpilot.psa.fake import FakePsa
from flowpilot.psa.tests.memory_psa import memory_psa  # noqa: F401 (a fixture)

TICKET_NUMBER = "41233"


@pytest.fixture
def connected(northwind, memory_psa):  # noqa: F811
    """Northwind connected to the in-memory PSA (flowpilot/psa/tests/memory_psa.py), which holds ticket
    TICKET_NUMBER: the push, link and working-time tests' PSA."""
    memory_psa.connect(northwind)
    memory_psa.add_ticket(TICKET_NUMBER, summary="Outlook keeps asking for a password", company="Acme Dental")
    return memory_psa


@pytest.fixture
def fake_psa():
    """A running fake PSA speaking ConnectWise, HaloPSA and Autotask; `fake_psa.config(provider)` reaches it."""
    with FakePsa() as fake:
        yield fake


@pytest.fixture
def connect(fake_psa, provider):
    """`connect(**options)` opens a connector to the fake PSA (options such as `timeout_seconds` go to its
    config); every connector opened is closed after the test."""
    with contextlib.ExitStack() as opened:
        yield lambda **options: opened.enter_context(connector_for(fake_psa.config(provider, **options)))


@pytest.fixture
def connector(connect):
    return connect()


@pytest.fixture
def ticket(fake_psa, provider):
    """The engineer's seeded open ticket: Outlook prompting for a password at Contoso Dental."""
    return next(t for t in fake_psa.tickets(provider) if t.summary.startswith("Outlook"))


@pytest.fixture
def add_note(fake_psa, provider):
    """`add_note(connector, ticket_id, marker=..., **fields)`: a public note "Done" as the engineer, unless
    `fields` say otherwise."""

    def add(connector, ticket_id, *, marker, text="Done", internal=False, resolution=False, identity=None):
        identity = fake_psa.identity(provider) if identity is None else identity
        return connector.add_note(
            str(ticket_id), text=text, internal=internal, resolution=resolution, identity=identity, marker=marker
        )

    return add


@pytest.fixture
def log_time(fake_psa, provider):
    """`log_time(connector, ticket_id, marker=..., **fields)`: the engineer's hour of "Remote session" from
    9:00 UTC, unless `fields` say otherwise; the session's `end` is start + hours unless given."""

    def log(
        connector,
        ticket_id,
        *,
        marker,
        start=dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC),
        end=None,
        hours=Decimal(1),
        notes="Remote session",
        identity=None,
    ):
        return connector.log_time(
            str(ticket_id),
            start=start,
            end=start + dt.timedelta(hours=float(hours)) if end is None else end,
            hours=hours,
            notes=notes,
            identity=fake_psa.identity(provider) if identity is None else identity,
            marker=marker,
        )

    return log
