"""Each connector against the fake PSA as a real HTTP server on 127.0.0.1: the contract every provider keeps."""

import dataclasses
import datetime as dt
import email.utils
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest

from flowpilot.psa.connectors import connector_for
from flowpilot.psa.connectors.base import (
    Provider,
    PsaAuthError,
    PsaError,
    PsaNotFound,
    PsaRateLimited,
    PsaServerError,
    PsaTimeout,
    Written,
)
from flowpilot.psa.fake import SECRETS, FakePsa

MARKER = "[ResolutionFlow ref 6f1c2b/resolve-note]"
TIME_MARKER = "[ResolutionFlow ref 6f1c2b/time]"
CET = dt.timezone(dt.timedelta(hours=1))


@dataclass(frozen=True)
class Case:
    provider: Provider
    read: tuple[str, str]  # the request that reads the ticket an engineer typed
    note: tuple[str, str]  # the request that writes a note
    time: tuple[str, str]  # the request that writes a time entry
    unknown_number: str


CASES = [
    Case(
        Provider.CONNECTWISE,
        read=("GET", "*/service/tickets/*"),
        note=("POST", "*/service/tickets/*/notes"),
        time=("POST", "*/time/entries"),
        unknown_number="999999",
    ),
    Case(
        Provider.HALOPSA,
        read=("GET", "/api/Tickets/*"),
        note=("POST", "/api/Actions"),
        time=("POST", "/api/Actions"),
        unknown_number="999999",
    ),
    Case(
        Provider.AUTOTASK,
        read=("POST", "*/Tickets/query"),
        note=("POST", "*/Tickets/*/Notes"),
        time=("POST", "*/TimeEntries"),
        unknown_number="T20990101.0001",
    ),
]


@pytest.fixture(params=CASES, ids=lambda case: case.provider.value)
def case(request):
    return request.param


@pytest.fixture
def provider(case):
    return case.provider


@pytest.fixture
def connector(connect):
    return connect(timeout_seconds=2)


@pytest.fixture
def impatient_connector(connect):
    """A connector that waits 0.3 s for an answer."""
    return connect(timeout_seconds=0.3)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# Reading tickets.


def test_finds_a_ticket_by_the_number_an_engineer_types(connector, ticket):
    found = connector.find_ticket(ticket.number)

    assert found.id == str(ticket.id)
    assert found.number == ticket.number
    assert found.summary == "Outlook keeps asking for a password after the M365 password change"
    assert found.company == "Contoso Dental"
    assert found.status == "New"
    assert found.closed is False
    assert "Outlook on the web works" in found.description
    assert "<" not in found.description


def test_reads_a_ticket_by_its_id(connector, ticket):
    found = connector.get_ticket(str(ticket.id))

    assert (found.id, found.number, found.company) == (str(ticket.id), ticket.number, "Contoso Dental")


def test_a_closed_ticket_reads_as_closed(fake_psa, case, connector):
    seeded = next(t for t in fake_psa.tickets(case.provider) if t.closed)

    assert connector.find_ticket(seeded.number).closed is True


def test_lists_the_engineers_open_tickets_only(fake_psa, case, connector):
    tickets = connector.open_tickets(fake_psa.identity(case.provider))

    assert {t.summary for t in tickets} == {
        "Outlook keeps asking for a password after the M365 password change",
        "VPN drops every 30 minutes for remote staff",
    }
    vpn = next(t for t in tickets if t.summary.startswith("VPN"))
    assert (vpn.company, vpn.status) == ("Fabrikam Legal", "In Progress")
    seeded_numbers = {t.number for t in fake_psa.tickets(case.provider)}
    assert {t.number for t in tickets} <= seeded_numbers


def test_a_colleagues_open_tickets_are_theirs(fake_psa, case, connector):
    tickets = connector.open_tickets(fake_psa.colleague(case.provider))

    assert [t.summary for t in tickets] == ["Reception printer shows offline"]


def test_an_unknown_ticket_number_is_not_found(case, connector):
    with pytest.raises(PsaNotFound):
        connector.find_ticket(case.unknown_number)


def test_an_unknown_ticket_id_is_not_found(connector):
    with pytest.raises(PsaNotFound):
        connector.get_ticket("999999")


def test_a_ticket_number_that_is_not_one_is_not_found_without_asking(fake_psa, connector):
    before = len(fake_psa.requests())

    with pytest.raises(PsaNotFound):
        connector.get_ticket("12; DROP TABLE")

    assert len(fake_psa.requests()) == before


# Writing notes and time.


@pytest.mark.parametrize(
    ("internal", "resolution"), [(False, False), (True, False), (False, True)], ids=["public", "internal", "resolution"]
)
def test_adds_a_note_carrying_its_marker(fake_psa, case, connector, ticket, add_note, internal, resolution):
    written = add_note(
        connector,
        ticket.id,
        text="Cleared the cached credentials in Credential Manager; Outlook connects again.",
        internal=internal,
        resolution=resolution,
        marker=MARKER,
    )

    [note] = [n for n in fake_psa.notes(case.provider, ticket.id) if MARKER in n.text]
    assert written == Written(external_id=str(note.id))
    assert note.text.startswith("Cleared the cached credentials")
    assert note.text.endswith(MARKER)
    assert note.internal is internal
    assert note.resolution is (resolution and case.provider != Provider.HALOPSA)  # Halo actions have no such flag


def test_find_note_finds_the_note_with_its_marker_only(connector, ticket, add_note):
    assert connector.find_note(str(ticket.id), marker=MARKER) is None

    written = add_note(connector, ticket.id, text="Handoff: firewall", internal=True, marker=MARKER)

    assert connector.find_note(str(ticket.id), marker=MARKER) == written
    assert connector.find_note(str(ticket.id), marker="[ResolutionFlow ref 999999/resolve-note]") is None


def test_logs_time_in_utc_for_the_engineer(fake_psa, case, connector, ticket, log_time):
    start = dt.datetime(2026, 12, 7, 10, 15, tzinfo=CET)

    written = log_time(
        connector,
        ticket.id,
        start=start,
        end=start + dt.timedelta(hours=2),
        hours=Decimal("1.25"),
        notes="Troubleshooting Outlook credential prompts",
        marker=TIME_MARKER,
    )

    [entry] = fake_psa.time_entries(case.provider, ticket.id)
    assert written == Written(external_id=str(entry.id))
    assert entry.hours == 1.25
    assert entry.start == "2026-12-07T09:15:00Z"
    assert entry.end == "2026-12-07T10:30:00Z"
    assert entry.notes.endswith(TIME_MARKER)
    assert entry.who in {"alex.rivera", "Alex Rivera", "29682885"}


def test_find_time_entry_finds_the_entry_with_its_marker_only(connector, ticket, log_time):
    assert connector.find_time_entry(str(ticket.id), marker=TIME_MARKER) is None

    written = log_time(connector, ticket.id, hours=Decimal("0.5"), marker=TIME_MARKER)

    assert connector.find_time_entry(str(ticket.id), marker=TIME_MARKER) == written
    assert connector.find_time_entry(str(ticket.id), marker="[ResolutionFlow ref other/time]") is None


# Test connection.


def test_test_connection_gives_the_psas_answer(connector):
    check = connector.test_connection()

    assert check.ok is True
    assert check.message.startswith("Connected to")


def test_test_connection_with_a_wrong_secret_says_so_without_the_secret(fake_psa, case):
    config = fake_psa.config(case.provider)
    wrong = {key: f"wrong-{value}" if key != "client_id" else value for key, value in config.secrets.items()}

    with connector_for(dataclasses.replace(config, secrets=wrong)) as connector:
        check = connector.test_connection()

    assert check.ok is False
    assert "401" in check.message
    assert_no_secret(check.message)
    for value in wrong.values():
        assert value not in check.message


# Errors.


def test_wrong_credentials_are_an_auth_error(fake_psa, case, ticket):
    config = fake_psa.config(case.provider)
    wrong = {key: "wrong-secret-value" for key in config.secrets}

    with connector_for(dataclasses.replace(config, secrets=wrong)) as connector, pytest.raises(PsaAuthError) as caught:
        connector.find_ticket(ticket.number)

    assert caught.value.retryable is False
    assert "wrong-secret-value" not in str(caught.value)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_is_an_auth_error(fake_psa, case, connector, status, ticket):
    fake_psa.fail(*case.read, status, times=2)  # HaloPSA asks for a new token once and tries again

    with pytest.raises(PsaAuthError) as caught:
        connector.find_ticket(ticket.number)

    assert caught.value.status == status
    assert caught.value.retryable is False


def test_a_404_is_not_found(fake_psa, case, connector, ticket):
    fake_psa.fail(*case.read, 404)

    with pytest.raises(PsaNotFound) as caught:
        connector.find_ticket(ticket.number)

    assert caught.value.retryable is False


def test_a_429_is_rate_limited_with_retry_after_in_seconds(fake_psa, case, connector, ticket, add_note):
    fake_psa.fail(*case.note, 429, retry_after="7")

    with pytest.raises(PsaRateLimited) as caught:
        add_note(connector, ticket.id, text="Resolved", resolution=True, marker=MARKER)

    assert caught.value.retry_after == 7.0
    assert caught.value.retryable is True
    assert not [n for n in fake_psa.notes(case.provider) if MARKER in n.text]


def test_a_429_with_an_http_date_gives_the_seconds_until_then(fake_psa, case, connector, ticket):
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    fake_psa.fail(*case.read, 429, retry_after=email.utils.format_datetime(until, usegmt=True))

    with pytest.raises(PsaRateLimited) as caught:
        connector.find_ticket(ticket.number)

    assert 25 <= caught.value.retry_after <= 30


def test_a_500_is_a_retryable_server_error(fake_psa, case, connector, ticket, log_time):
    fake_psa.fail(*case.time, 500)

    with pytest.raises(PsaServerError) as caught:
        log_time(connector, ticket.id, marker=TIME_MARKER)

    assert (caught.value.status, caught.value.retryable) == (500, True)
    assert fake_psa.time_entries(case.provider) == []


def test_a_psa_that_hangs_is_a_timeout(fake_psa, case, impatient_connector, ticket):
    fake_psa.hang(*case.read, seconds=3)
    started = time.monotonic()

    with pytest.raises(PsaTimeout) as caught:
        impatient_connector.find_ticket(ticket.number)

    assert time.monotonic() - started < 2
    assert caught.value.retryable is True


def test_a_note_stored_before_a_timeout_is_found_by_its_marker(
    fake_psa, case, impatient_connector, connector, ticket, add_note
):
    fake_psa.hang(*case.note, seconds=3, after_store=True)

    with pytest.raises(PsaTimeout):
        add_note(impatient_connector, ticket.id, text="Resolved", resolution=True, marker=MARKER)

    [stored] = [n for n in fake_psa.notes(case.provider, ticket.id) if MARKER in n.text]
    assert connector.find_note(str(ticket.id), marker=MARKER) == Written(external_id=str(stored.id))


def test_a_time_entry_stored_before_a_timeout_is_found_by_its_marker(
    fake_psa, case, impatient_connector, connector, ticket, log_time
):
    fake_psa.hang(*case.time, seconds=3, after_store=True)

    with pytest.raises(PsaTimeout):
        log_time(impatient_connector, ticket.id, marker=TIME_MARKER)

    [stored] = fake_psa.time_entries(case.provider, ticket.id)
    assert connector.find_time_entry(str(ticket.id), marker=TIME_MARKER) == Written(external_id=str(stored.id))


def test_an_unreachable_psa_is_a_retryable_server_error(case):
    with FakePsa() as fake:
        config = fake.config(case.provider, timeout_seconds=1)  # the port is closed once the fake stops

    with connector_for(config) as connector, pytest.raises(PsaServerError) as caught:
        connector.find_ticket("48211" if case.provider != Provider.AUTOTASK else "T20261207.0042")

    assert caught.value.retryable is True
    assert "could not be reached" in str(caught.value)


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500])
def test_credentials_a_psa_echoes_back_never_reach_the_error(fake_psa, case, connector, status, ticket):
    fake_psa.fail(*case.read, status, echo=True, times=2)

    with pytest.raises(PsaError) as caught:
        connector.find_ticket(ticket.number)

    message = str(caught.value)
    assert "[redacted]" in message  # the echo reached the message, with the credentials taken out
    assert_no_secret(message)
    assert_no_secret(repr(caught.value))


def test_the_connection_settings_never_show_their_secrets(fake_psa, case):
    config = fake_psa.config(case.provider)

    with connector_for(config) as connector:
        shown = repr(config) + str(config) + repr(connector)

    for secret in config.secrets.values():
        assert secret not in shown


def test_credentials_never_reach_the_logs(fake_psa, case, connector, caplog, ticket, add_note, log_time):
    caplog.set_level(logging.DEBUG)
    fake_psa.fail(*case.read, 500, echo=True)

    with pytest.raises(PsaServerError):
        connector.find_ticket(ticket.number)
    connector.find_ticket(ticket.number)
    add_note(connector, ticket.id, resolution=True, marker=MARKER)
    log_time(connector, ticket.id, marker=TIME_MARKER)

    assert caplog.records
    assert_no_secret(caplog.text)
    with fake_psa.store.lock:
        assert not any(token in caplog.text for token in fake_psa.store.halo_tokens)
