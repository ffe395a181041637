"""ConnectWise PSA specifics: Basic auth with clientId, the discovered codebase, the description note, flags."""

import base64
import dataclasses
import datetime as dt
from decimal import Decimal

import httpx
import pytest

from flowpilot.psa.connectors import connector_for
from flowpilot.psa.connectors.base import (
    ConnectorConfig,
    Identity,
    Provider,
    PsaAuthError,
    PsaBadResponse,
    PsaConfigError,
)
from flowpilot.psa.fake import seeds

CW = Provider.CONNECTWISE
MARKER = "[ResolutionFlow ref 41aa/resolve-note]"


@pytest.fixture
def provider():
    return CW


def test_sends_basic_auth_of_company_plus_public_key_and_the_client_id():
    seen = []

    def answer(request):
        seen.append(request)
        if request.url.path == "/login/companyinfo/acme":
            return httpx.Response(200, json={"Codebase": "v2025_1/"})
        return httpx.Response(200, json={"version": "v2025.1"})

    config = ConnectorConfig(
        provider=CW,
        settings={"site": "api-na.myconnectwise.net", "company_id": "acme", "client_id": "0d3c-guid"},
        secrets={"public_key": "pub", "private_key": "priv"},
    )
    with connector_for(config, transport=httpx.MockTransport(answer)) as connector:
        assert connector.test_connection().ok

    info, system = seen
    assert str(info.url) == "https://api-na.myconnectwise.net/login/companyinfo/acme"
    assert "Authorization" not in info.headers
    assert str(system.url) == "https://api-na.myconnectwise.net/v2025_1/apis/3.0/system/info"
    assert system.headers["Authorization"] == "Basic " + base64.b64encode(b"acme+pub:priv").decode()
    assert system.headers["clientId"] == "0d3c-guid"


def test_the_codebase_is_discovered_once_per_connector(fake_psa, connector, ticket):
    connector.get_ticket(str(ticket.id))
    connector.find_ticket(str(ticket.id))

    assert len(fake_psa.requests("GET", "/login/companyinfo/*")) == 1
    assert len(fake_psa.requests("GET", "/v2026_1/apis/3.0/service/tickets/*")) == 4


def test_a_configured_codebase_is_not_discovered(fake_psa, ticket):
    config = fake_psa.config(CW)
    config = dataclasses.replace(config, settings={**config.settings, "codebase": "v2026_1/"})

    with connector_for(config) as connector:
        connector.get_ticket(str(ticket.id))

    assert fake_psa.requests("GET", "/login/companyinfo/*") == []


def test_an_unknown_company_is_an_auth_error(fake_psa):
    config = fake_psa.config(CW)
    config = dataclasses.replace(config, settings={**config.settings, "company_id": "contoso"})

    with connector_for(config) as connector, pytest.raises(PsaAuthError, match="no company 'contoso'"):
        connector.get_ticket("48211")


def test_a_codebase_that_is_not_a_path_segment_is_refused():
    def answer(request):
        return httpx.Response(200, json={"Codebase": "../../evil/"})

    config = ConnectorConfig(
        provider=CW,
        settings={"site": "na.myconnectwise.net", "company_id": "acme", "client_id": "guid"},
        secrets={"public_key": "pub", "private_key": "priv"},
    )
    with connector_for(config, transport=httpx.MockTransport(answer)) as connector, pytest.raises(PsaBadResponse):
        connector.get_ticket("1")


def test_the_description_is_the_first_detail_note(fake_psa, connector):
    ticket = fake_psa.add_ticket(CW, summary="Shared drive slow", description="Opening files on S: takes a minute.")
    connector.add_note(
        str(ticket.id), text="Later public note", internal=False, resolution=False, identity=Identity(), marker=MARKER
    )

    assert connector.get_ticket(str(ticket.id)).description == "Opening files on S: takes a minute."


def test_a_ticket_without_a_detail_note_has_an_empty_description(fake_psa, connector):
    ticket = fake_psa.add_ticket(CW, summary="Phone call, no details")

    assert connector.get_ticket(str(ticket.id)).description == ""


def test_a_typed_hash_before_the_number_is_accepted(connector, ticket):
    assert connector.find_ticket(f"#{ticket.id}").id == str(ticket.id)


@pytest.mark.parametrize(
    ("internal", "resolution", "flags"),
    [
        (False, False, (True, False, False)),
        (True, False, (False, True, False)),
        (False, True, (True, False, True)),
        (True, True, (False, True, True)),
    ],
)
def test_note_flags_say_public_internal_and_resolution(
    fake_psa, connector, ticket, add_note, internal, resolution, flags
):
    add_note(connector, ticket.id, internal=internal, resolution=resolution, marker=MARKER)

    note = fake_psa.notes(CW, ticket.id)[-1].native
    assert (note["detailDescriptionFlag"], note["internalAnalysisFlag"], note["resolutionFlag"]) == flags
    assert note["member"] == {"id": 148, "identifier": "alex.rivera"}


def test_time_is_charged_to_the_service_ticket_for_the_member(fake_psa, connector, ticket, log_time):
    log_time(
        connector,
        ticket.id,
        start=dt.datetime(2026, 12, 7, 14, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC),
        hours=Decimal("0.5"),
        notes="Reset the VPN profile",
        identity=Identity(member_identifier="sam.lee"),
        marker="[ResolutionFlow ref 41aa/time]",
    )

    [entry] = fake_psa.time_entries(CW, ticket.id)
    assert entry.native["chargeToType"] == "ServiceTicket"
    assert entry.native["chargeToId"] == ticket.id
    assert entry.native["member"] == {"id": 152, "identifier": "sam.lee"}
    assert (entry.native["timeStart"], entry.native["timeEnd"]) == ("2026-12-07T14:00:00Z", "2026-12-07T14:30:00Z")
    assert entry.native["notes"] == "Reset the VPN profile\n\n[ResolutionFlow ref 41aa/time]"


def test_time_without_a_member_is_refused_before_asking(fake_psa, connector, log_time):
    before = len(fake_psa.requests())

    with pytest.raises(PsaConfigError):
        log_time(connector, "48211", identity=Identity(), marker="[m]")

    assert len(fake_psa.requests()) == before


@pytest.mark.parametrize("identifier", ["", 'alex" or closedFlag=true or owner/identifier="x', "a b"])
def test_open_tickets_need_a_plain_member_identifier(fake_psa, connector, identifier):
    with pytest.raises(PsaConfigError):
        connector.open_tickets(Identity(member_identifier=identifier))


def test_open_tickets_ask_for_the_owners_open_tickets(fake_psa, connector):
    connector.open_tickets(fake_psa.identity(CW), limit=10)

    assert fake_psa.requests("GET", "*/service/tickets") != []


@pytest.mark.parametrize("site", ["http://psa.example.com", "ftp://psa.example.com", "https://user:pw@psa.example.com"])
def test_a_site_that_is_not_https_is_refused(site):
    config = ConnectorConfig(
        provider=CW,
        settings={"site": site, "company_id": "acme", "client_id": "guid"},
        secrets={"public_key": "pub", "private_key": "priv"},
    )

    with pytest.raises(PsaConfigError):
        connector_for(config)


def test_missing_keys_are_a_config_error():
    config = ConnectorConfig(
        provider=CW, settings={"site": "na.myconnectwise.net", "company_id": "acme", "client_id": "guid"}, secrets={}
    )

    with pytest.raises(PsaConfigError):
        connector_for(config)


def test_the_fake_refuses_a_wrong_client_id(fake_psa):
    config = fake_psa.config(CW)
    config = dataclasses.replace(config, settings={**config.settings, "client_id": "another-integration"})

    with connector_for(config) as connector, pytest.raises(PsaAuthError):
        connector.get_ticket("48211")
    assert seeds.CW_CLIENT_ID != "another-integration"


def test_find_note_reads_every_page_of_a_long_ticket():
    pages = []

    def answer(request):
        page = int(request.url.params["page"])
        pages.append(page)
        if page == 1:
            return httpx.Response(200, json=[{"id": i, "text": f"note {i}"} for i in range(1, 1001)])
        return httpx.Response(200, json=[{"id": 1001, "text": f"Resolved\n\n{MARKER}"}])

    config = ConnectorConfig(
        provider=CW,
        settings={"site": "na.myconnectwise.net", "company_id": "acme", "client_id": "guid", "codebase": "v2025_1"},
        secrets={"public_key": "pub", "private_key": "priv"},
    )
    with connector_for(config, transport=httpx.MockTransport(answer)) as connector:
        found = connector.find_note("48211", marker=MARKER)

    assert found is not None and found.external_id == "1001"
    assert pages == [1, 2]
