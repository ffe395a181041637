"""HaloPSA specifics: the token from the authorisation server, actions as a JSON array, HTML details as text."""

import dataclasses
import datetime as dt
from decimal import Decimal

import httpx
import pytest

from flowpilot.psa.connectors import connector_for, halopsa
from flowpilot.psa.connectors.base import (
    ConnectorConfig,
    Identity,
    Provider,
    PsaAuthError,
    PsaBadResponse,
    PsaConfigError,
)

HALO = Provider.HALOPSA
MARKER = "[ResolutionFlow ref 9d02/resolve-note]"
TIME_MARKER = "[ResolutionFlow ref 9d02/time]"


@pytest.fixture
def provider():
    return HALO


def test_the_token_is_asked_once_and_reused(fake_psa, connector, ticket):
    connector.get_ticket(str(ticket.id))
    connector.open_tickets(fake_psa.identity(HALO))
    connector.find_note(str(ticket.id), marker=MARKER)

    assert len(fake_psa.requests("POST", "/auth/token")) == 1
    assert len(fake_psa.requests("GET", "/api/*")) == 3


def test_a_revoked_token_is_replaced_once(fake_psa, connector, ticket):
    connector.get_ticket(str(ticket.id))
    with fake_psa.store.lock:
        fake_psa.store.halo_tokens.clear()

    assert connector.get_ticket(str(ticket.id)).id == str(ticket.id)
    assert len(fake_psa.requests("POST", "/auth/token")) == 2


def test_the_token_call_is_a_client_credentials_form_with_the_tenant():
    seen = []

    def answer(request):
        seen.append(request)
        if request.url.path == "/auth/token":
            return httpx.Response(200, json={"access_token": "tok-123", "token_type": "Bearer", "expires_in": 3600})
        return httpx.Response(200, json={"record_count": 3, "tickets": []})

    config = ConnectorConfig(
        provider=HALO,
        settings={
            "auth_url": "https://acme.halopsa.com/auth",
            "resource_url": "https://acme.halopsa.com/api",
            "tenant": "acme",
        },  # fmt: skip
        secrets={"client_id": "cid", "client_secret": "csecret"},
    )
    with connector_for(config, transport=httpx.MockTransport(answer)) as connector:
        check = connector.test_connection()

    token, tickets = seen
    assert check.ok and "3 ticket(s)" in check.message
    assert str(token.url) == "https://acme.halopsa.com/auth/token?tenant=acme"
    assert token.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(token.content.decode())) == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": "csecret",
        "scope": "all",
    }
    assert tickets.url.path == "/api/Tickets"
    assert tickets.headers["Authorization"] == "Bearer tok-123"


def test_a_wrong_tenant_is_an_auth_error(fake_psa, ticket):
    config = fake_psa.config(HALO)
    config = dataclasses.replace(config, settings={**config.settings, "tenant": "contoso"})

    with connector_for(config) as connector, pytest.raises(PsaAuthError):
        connector.get_ticket(str(ticket.id))


def test_a_token_answer_without_a_token_is_a_bad_response():
    def answer(request):
        return httpx.Response(200, json={"token_type": "Bearer"})

    config = ConnectorConfig(
        provider=HALO,
        settings={"auth_url": "https://acme.halopsa.com/auth", "resource_url": "https://acme.halopsa.com/api"},
        secrets={"client_id": "cid", "client_secret": "csecret"},
    )
    with connector_for(config, transport=httpx.MockTransport(answer)) as connector, pytest.raises(PsaBadResponse):
        connector.get_ticket("1")


def test_bare_hosts_get_halos_usual_paths(fake_psa):
    config = fake_psa.config(HALO)
    config = dataclasses.replace(
        config, settings={**config.settings, "auth_url": fake_psa.url, "resource_url": fake_psa.url + "/"}
    )

    with connector_for(config) as connector:
        assert connector.test_connection().ok


def test_details_html_is_plain_text_without_scripts(fake_psa, connector):
    ticket = fake_psa.add_ticket(
        HALO,
        summary="Scanner not sending to email",
        description=(
            "<div><p>Printer &amp; scanner on <b>floor 2</b> fails:</p>"
            "<script>alert('stolen ' + document.cookie)</script><style>p { color: red }</style>"
            '<ul><li>scan to email</li><li>scan to <a href="javascript:evil()">folder</a></li></ul>'
            "<img src=x onerror=\"alert('img')\">&lt;script&gt;not a tag&lt;/script&gt;</div>"
        ),
    )

    description = connector.get_ticket(str(ticket.id)).description

    assert description == (
        "Printer & scanner on floor 2 fails:\n\n- scan to email\n- scan to folder\n<script>not a tag</script>"
    )
    assert "alert" not in description and "color" not in description and "onerror" not in description


def test_a_note_is_one_action_in_a_json_array(fake_psa, connector, ticket, add_note):
    add_note(connector, ticket.id, text="Escalate", internal=True, marker="m")

    [note] = fake_psa.notes(HALO, ticket.id)
    assert note.native["hiddenfromuser"] is True
    assert note.native["outcome"] == "Private Note"
    assert note.native["who_agentid"] == 7
    assert note.native["timetaken"] == 0


def test_the_fake_refuses_an_action_that_is_not_in_an_array(fake_psa, connector, ticket):
    token = connector._bearer()

    answer = httpx.post(
        f"{fake_psa.url}/api/Actions",
        json={"ticket_id": ticket.id, "note": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert answer.status_code == 400
    assert fake_psa.notes(HALO) == []


def test_time_is_a_private_action_with_decimal_hours(fake_psa, connector, ticket, log_time):
    start = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)

    log_time(
        connector, ticket.id, start=start, end=start + dt.timedelta(hours=2), hours=Decimal("1.75"), marker=TIME_MARKER
    )

    [entry] = fake_psa.time_entries(HALO, ticket.id)
    assert entry.native["timetaken"] == 1.75
    assert entry.native["hiddenfromuser"] is True
    assert (entry.start, entry.end) == ("2026-12-07T08:00:00Z", "2026-12-07T09:45:00Z")
    assert connector.find_note(str(ticket.id), marker=TIME_MARKER) is not None
    assert connector.find_time_entry(str(ticket.id), marker=MARKER) is None


def test_open_tickets_need_an_agent_id(connector):
    with pytest.raises(PsaConfigError):
        connector.open_tickets(Identity(member_identifier="alex.rivera"))


def test_the_token_is_asked_again_once_it_expires(monkeypatch):
    issued = []
    now = [1000.0]
    monkeypatch.setattr(halopsa, "monotonic", lambda: now[0])

    def answer(request):
        if request.url.path == "/auth/token":
            issued.append(f"tok-{len(issued)}")
            return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 3600})
        return httpx.Response(200, json={"record_count": 0, "tickets": []})

    config = ConnectorConfig(
        provider=HALO,
        settings={"auth_url": "https://acme.halopsa.com/auth", "resource_url": "https://acme.halopsa.com/api"},
        secrets={"client_id": "cid", "client_secret": "csecret"},
    )
    with connector_for(config, transport=httpx.MockTransport(answer)) as connector:
        connector.test_connection()
        now[0] += 3000  # within the token's hour (less the safety margin)
        connector.test_connection()
        assert issued == ["tok-0"]
        now[0] += 600
        connector.test_connection()

    assert issued == ["tok-0", "tok-1"]
