"""Autotask specifics: the zone lookup, numbers that are not ids, picklists read from the PSA, no nulls, UTC."""

import datetime as dt

import httpx
import pytest

from flowpilot.psa.connectors import connector_for
from flowpilot.psa.connectors.autotask import DEFAULT_ZONE_LOOKUP_URL
from flowpilot.psa.connectors.base import (
    ConnectorConfig,
    Identity,
    Provider,
    PsaBadResponse,
    PsaConfigError,
    PsaNotFound,
)
from flowpilot.psa.fake import autotask as fake_autotask

AT = Provider.AUTOTASK
MARKER = "[ResolutionFlow ref 77b1/resolve-note]"
CONFIG = ConnectorConfig(
    provider=AT,
    settings={"username": "api@acme.example", "integration_code": "ICODE"},
    secrets={"secret": "s3cret"},
)


@pytest.fixture
def provider():
    return AT


def test_the_zone_is_looked_up_at_autotask_by_default_and_its_api_gets_the_credentials():
    seen = []

    def answer(request):
        seen.append(request)
        if request.url.path.endswith("zoneInformation"):
            zone = {"name": "Pre-Release", "url": "https://webservices14.autotask.net/ATServicesRest/"}
            return httpx.Response(200, json=zone)
        return httpx.Response(200, json={"externalRequestThreshold": 10000, "currentTimeframeRequestCount": 5})

    with connector_for(CONFIG, transport=httpx.MockTransport(answer)) as connector:
        assert connector.test_connection().ok

    lookup, threshold = seen
    assert str(lookup.url) == f"{DEFAULT_ZONE_LOOKUP_URL}?user=api%40acme.example"
    assert "Secret" not in lookup.headers
    assert str(threshold.url) == "https://webservices14.autotask.net/ATServicesRest/V1.0/ThresholdInformation"
    assert (threshold.headers["UserName"], threshold.headers["Secret"]) == ("api@acme.example", "s3cret")
    assert threshold.headers["ApiIntegrationCode"] == "ICODE"


def test_a_zone_outside_autotask_never_gets_the_credentials():
    seen = []

    def answer(request):
        seen.append(request)
        return httpx.Response(200, json={"url": "https://collector.example.com/atservicesrest/"})

    with connector_for(CONFIG, transport=httpx.MockTransport(answer)) as connector, pytest.raises(PsaBadResponse):
        connector.find_ticket("T20261207.0042")

    assert [r.url.host for r in seen] == ["webservices.autotask.net"]


def test_the_zone_is_looked_up_once_and_points_at_the_fake(fake_psa, connector, ticket):
    connector.find_ticket(ticket.number)
    connector.open_tickets(fake_psa.identity(AT))

    assert len(fake_psa.requests("GET", "/atservicesrest/v1.0/zoneInformation")) == 1
    assert fake_psa.requests("POST", "/atservicesrest/V1.0/Tickets/query") != []


def test_an_unknown_api_user_has_no_zone(fake_psa):
    config = fake_psa.config(AT)
    config = ConnectorConfig(AT, {**config.settings, "username": "nobody@example.com"}, config.secrets)

    with connector_for(config) as connector:
        check = connector.test_connection()

    assert not check.ok and "no zone" in check.message


def test_a_ticket_number_is_not_its_id(connector, ticket):
    found = connector.find_ticket(ticket.number.lower())

    assert (found.id, found.number) == (str(ticket.id), "T20261207.0042")
    with pytest.raises(PsaNotFound):
        connector.find_ticket(str(ticket.id))


def test_an_id_without_a_ticket_is_not_found(connector):
    with pytest.raises(PsaNotFound):
        connector.get_ticket("999999")


def test_notes_go_to_the_tickets_child_url_with_picklist_values(fake_psa, connector, ticket, add_note):
    add_note(connector, ticket.id, internal=True, marker=MARKER)
    add_note(connector, ticket.id, resolution=True, marker=MARKER)
    add_note(connector, ticket.id, marker=MARKER)

    internal, resolution, public = (n.native for n in fake_psa.notes(AT, ticket.id))
    assert fake_psa.requests("POST", f"/atservicesrest/V1.0/Tickets/{ticket.id}/Notes") != []
    assert (internal["publish"], internal["noteType"]) == (2, 2)
    assert (resolution["publish"], resolution["noteType"]) == (1, 13)
    assert (public["publish"], public["noteType"]) == (1, 2)
    assert internal["creatorResourceID"] is None  # written as the API user unless impersonation is asked for
    assert len(fake_psa.requests("GET", "*/TicketNotes/entityInformation/fields")) == 1


def test_picklists_are_the_databases_own(fake_psa, connector, monkeypatch, ticket, add_note):
    monkeypatch.setattr(fake_autotask, "PUBLISH", [("11", "Everyone", True), ("12", "Internal Only", False)])
    monkeypatch.setattr(fake_autotask, "NOTE_TYPES", [("21", "Detail", False), ("22", "Summary", True)])

    add_note(connector, ticket.id, internal=True, resolution=True, marker=MARKER)

    [note] = fake_psa.notes(AT, ticket.id)
    assert (note.native["publish"], note.native["noteType"]) == (12, 22)


def test_statuses_are_the_databases_own(fake_psa, connector, monkeypatch):
    monkeypatch.setattr(fake_autotask, "STATUSES", [("1", "New"), ("8", "In Progress"), ("50", "Complete")])

    closed = next(t for t in fake_psa.tickets(AT) if t.closed)
    assert connector.find_ticket(closed.number).status == "Complete"
    assert connector.find_ticket(closed.number).closed is True
    assert closed.number not in {t.number for t in connector.open_tickets(fake_psa.identity(AT))}


def test_a_long_note_is_cut_so_its_marker_survives(fake_psa, connector, ticket, add_note):
    add_note(connector, ticket.id, text="x" * 40_000, marker=MARKER)

    [note] = fake_psa.notes(AT, ticket.id)
    assert len(note.text) <= 32_000
    assert note.text.endswith(MARKER)


def test_time_is_sent_in_utc_without_null_fields(fake_psa, connector, ticket, log_time):
    start = dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

    log_time(
        connector, ticket.id, start=start, notes="Rebuilt the mail profile", marker="[ResolutionFlow ref 77b1/time]"
    )

    [entry] = fake_psa.time_entries(AT, ticket.id)
    native = entry.native
    assert None not in native.values()
    assert (native["resourceID"], native["roleID"]) == (29682885, 29683461)
    assert native["dateWorked"] == "2026-12-08T00:00:00Z"
    assert (native["startDateTime"], native["endDateTime"]) == ("2026-12-08T04:30:00Z", "2026-12-08T05:30:00Z")
    assert native["hoursWorked"] == 1.0
    assert native["summaryNotes"].endswith("[ResolutionFlow ref 77b1/time]")


def test_time_needs_a_resource_and_a_role(connector, log_time):
    with pytest.raises(PsaConfigError):
        log_time(connector, "7301", identity=Identity(resource_id="1"), marker="m")


def test_the_fake_answers_500_to_a_null_field_like_autotask(fake_psa, ticket):
    headers = {
        "ApiIntegrationCode": fake_psa.config(AT).settings["integration_code"],
        "UserName": fake_psa.config(AT).settings["username"],
        "Secret": fake_psa.config(AT).secrets["secret"],
    }
    body = {"ticketID": ticket.id, "title": "t", "description": "d", "noteType": 2, "publish": 1, "status": None}

    url = f"{fake_psa.url}/atservicesrest/V1.0/Tickets/{ticket.id}/Notes"
    assert httpx.post(url, json=body, headers=headers).status_code == 500
    assert httpx.post(f"{fake_psa.url}/atservicesrest/V1.0/TicketNotes", json=body, headers=headers).status_code == 404


def test_notes_are_written_as_the_engineer_when_impersonation_is_on(fake_psa, ticket, add_note):
    config = fake_psa.config(AT)
    config = ConnectorConfig(AT, {**config.settings, "impersonate": "true"}, config.secrets)

    with connector_for(config) as connector:
        add_note(connector, ticket.id, marker=MARKER)

    [note] = fake_psa.notes(AT, ticket.id)
    assert note.native["creatorResourceID"] == 29682885
