"""The HTTP layer every connector shares: allowed URLs, Retry-After, and untrusted answers mapped to typed errors."""

import datetime as dt

import httpx
import pytest

from flowpilot.psa.connectors import connector_for
from flowpilot.psa.connectors.base import (
    ConnectorConfig,
    Provider,
    PsaBadResponse,
    PsaConfigError,
    PsaRejected,
    PsaServerError,
    PsaTimeout,
)
from flowpilot.psa.connectors.http_client import MAX_RESPONSE_BYTES, checked_base_url, parse_retry_after

SECRET = "pk-very-secret-42"
CW_CONFIG = ConnectorConfig(
    provider=Provider.CONNECTWISE,
    settings={"site": "na.myconnectwise.net", "company_id": "acme", "client_id": "guid", "codebase": "v2025_1"},
    secrets={"public_key": "pub", "private_key": SECRET},
)


def cw_answering(handler):
    return connector_for(CW_CONFIG, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        ("Mon, 07 Dec 2026 10:00:30 GMT", 30.0),
        ("Mon, 07 Dec 2026 09:00:00 GMT", 0.0),
    ],  # fmt: skip
)
def test_retry_after_reads_seconds_or_an_http_date(value, seconds):
    now = dt.datetime(2026, 12, 7, 10, 0, 0, tzinfo=dt.UTC)

    assert parse_retry_after(value, now=now) == seconds


@pytest.mark.parametrize("value", [None, "", "soon", "nan", "inf"])
def test_retry_after_that_means_nothing_is_none(value):
    assert parse_retry_after(value) is None


def test_retry_after_is_capped_at_a_day():
    assert parse_retry_after("99999999") == 24 * 3600.0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://psa.example.com/", "https://psa.example.com"),
        ("https://psa.example.com:8443/auth/?x=1", "https://psa.example.com:8443/auth"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost:8765/api", "http://localhost:8765/api"),
        ("http://[::1]:8765", "http://[::1]:8765"),
    ],
)
def test_https_or_loopback_http_base_urls_are_allowed(url, expected):
    assert checked_base_url(url, what="The URL") == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://psa.example.com",
        "http://10.0.0.5",
        "ftp://psa.example.com",
        "https://u:p@psa.example.com",
        "nonsense",
    ],  # fmt: skip
)
def test_other_base_urls_are_refused(url):
    with pytest.raises(PsaConfigError):
        checked_base_url(url, what="The URL")


def test_an_answer_that_is_not_json_is_a_bad_response():
    login_page = httpx.Response(200, text="<html>Login</html>")

    with cw_answering(lambda request: login_page) as connector, pytest.raises(PsaBadResponse):
        connector.get_ticket("1")


def test_an_oversized_answer_is_a_bad_response():
    body = b"[" + b'"x",' * (MAX_RESPONSE_BYTES // 4) + b'"x"]'

    with (
        cw_answering(lambda request: httpx.Response(200, content=body)) as connector,
        pytest.raises(PsaBadResponse, match="more than"),
    ):
        connector.get_ticket("1")


@pytest.mark.parametrize(
    "ticket",
    [
        [],
        {"id": "abc", "summary": "x"},
        {"id": True, "summary": "x"},
        {"id": 1, "summary": {"html": "x"}},
        {"id": 1, "summary": "x", "company": "not an object"},
        {"id": 1, "summary": "x", "closedFlag": "yes"},
    ],
)
def test_an_answer_of_the_wrong_shape_is_a_bad_response(ticket):
    with cw_answering(lambda request: httpx.Response(200, json=ticket)) as connector, pytest.raises(PsaBadResponse):
        connector.get_ticket("1")


def test_text_from_the_psa_is_capped_and_loses_control_characters():
    def answer(request):
        if request.url.path.endswith("/notes"):
            note = {"id": 2, "text": "line\x00one\x1b[31m\r\nline two", "detailDescriptionFlag": True}
            return httpx.Response(200, json=[note])
        return httpx.Response(200, json={"id": 1, "summary": "s" * 5000, "company": {"name": "C"}})

    with cw_answering(answer) as connector:
        ticket = connector.get_ticket("1")

    assert len(ticket.summary) == 500
    assert ticket.description == "lineone[31m\nline two"


def test_a_redirect_is_not_followed():
    seen = []

    def answer(request):
        seen.append(request.url.host)
        return httpx.Response(302, headers={"Location": "https://collector.example.com/"})

    with cw_answering(answer) as connector, pytest.raises(PsaBadResponse, match="redirected"):
        connector.get_ticket("1")

    assert seen == ["na.myconnectwise.net"]


@pytest.mark.parametrize("status", [400, 409, 422])
def test_a_request_the_psa_refuses_is_rejected_and_not_retried(status):
    def answer(request):
        return httpx.Response(status, json={"code": "InvalidObject", "message": "text is required"})

    with cw_answering(answer) as connector, pytest.raises(PsaRejected, match="text is required") as caught:
        connector.get_ticket("1")

    assert caught.value.retryable is False


def test_a_connection_error_is_a_retryable_server_error_without_its_details():
    def answer(request):
        raise httpx.ConnectError(f"refused while sending {request.headers['Authorization']}")

    with cw_answering(answer) as connector, pytest.raises(PsaServerError) as caught:
        connector.get_ticket("1")

    assert caught.value.retryable is True
    assert "Basic" not in str(caught.value)


def test_a_read_timeout_is_a_timeout():
    def answer(request):
        raise httpx.ReadTimeout("timed out")

    with cw_answering(answer) as connector, pytest.raises(PsaTimeout):
        connector.get_ticket("1")


def test_an_unknown_provider_is_a_config_error():
    with pytest.raises(PsaConfigError):
        connector_for(ConnectorConfig(provider="kaseya", settings={}, secrets={}))


@pytest.mark.parametrize("secret", ["line\nbreak", "caf\u00e9", " "])
def test_a_secret_no_header_can_carry_is_a_clear_config_error(secret):
    config = ConnectorConfig(
        provider=Provider.AUTOTASK,
        settings={"username": "api@acme.example", "integration_code": "ICODE"},
        secrets={"secret": secret},
    )

    with pytest.raises(PsaConfigError, match="HTTP header") as caught:
        connector_for(config)

    assert secret.strip() == "" or secret not in str(caught.value)
