"""Hosts that cannot be encoded (IDNA) and numbers that are not finite, typed by an owner or answered by a PSA:
a form error, a failed check or a typed PsaError, never an exception escaping to a 500."""

import httpx
import pytest
from django.test import Client

from flowpilot.psa import connection as connections
from flowpilot.psa.connectors import connector_for
from flowpilot.psa.connectors.base import Provider, PsaBadResponse, PsaConfigError, PsaError
from flowpilot.psa.connectors.http_client import PsaHttp, checked_base_url
from flowpilot.psa.models import PsaConnection
from flowpilot.psa.tests.factories import PsaConnectionFactory, connection_for_config
from resolutionflow.testing import HTMX
from resolutionflow.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BAD_HOST = "https://xn--zz.com"
URL = "/settings/psa/"
LOOKUP = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"

VALID = {
    "connectwise": {
        "connectwise_site": "api-na.myconnectwise.net",
        "connectwise_company_id": "northwind",
        "connectwise_client_id": "5f2b6a0e-3c1d-4e7f-9a8b-1c2d3e4f5a6b",
        "secret_connectwise_public_key": "pub-typed",
        "secret_connectwise_private_key": "priv-typed",
    },
    "halopsa": {
        "halopsa_auth_url": "https://northwind.halopsa.com/auth",
        "halopsa_resource_url": "https://northwind.halopsa.com/api",
        "secret_halopsa_client_id": "client-typed",
        "secret_halopsa_client_secret": "secret-typed",
    },
    "autotask": {
        "autotask_username": "api@northwind.test",
        "autotask_zone_lookup_url": LOOKUP,
        "secret_autotask_secret": "at-secret-typed",
        "secret_autotask_integration_code": "at-code-typed",
    },
}
URL_FIELDS = [
    ("connectwise", "connectwise_site"),
    ("connectwise", "connectwise_site_bare_host"),
    ("halopsa", "halopsa_auth_url"),
    ("halopsa", "halopsa_resource_url"),
    ("autotask", "autotask_zone_lookup_url"),
    ("autotask", "autotask_zone_url"),
]


def form_data(provider: str, field: str) -> tuple[str, dict]:
    if field == "connectwise_site_bare_host":
        field, value = "connectwise_site", "xn--zz.com"
    else:
        value = BAD_HOST
    return field, {"provider": provider, "is_enabled": "on", "autotask_zone_lookup_url": LOOKUP} | VALID[provider] | {
        field: value
    }


def test_an_undecodable_host_is_a_config_error_not_a_unicode_error():
    with pytest.raises(PsaConfigError, match="not a valid URL"):
        checked_base_url(BAD_HOST, what="The address")


def test_a_request_to_an_undecodable_host_is_a_config_error():
    http = PsaHttp(label="Test PSA", timeout=1, transport=None, secrets=())
    try:
        with pytest.raises(PsaConfigError):
            http.request("GET", f"{BAD_HOST}/v1/tickets")
    finally:
        http.close()


@pytest.mark.parametrize(("provider", "field"), URL_FIELDS)
def test_the_settings_page_refuses_an_undecodable_host_as_a_field_error(owner_client, provider, field):
    field, data = form_data(provider, field)

    response = owner_client.post(URL, data, **HTMX)

    assert response.status_code == 422
    assert "not a valid URL" in response.content.decode()
    assert not PsaConnection.objects.exists()


@pytest.fixture
def operator():
    browser = Client()
    browser.force_login(UserFactory(email="ops@platform.test", account=None, is_staff=True, is_superuser=True))
    return browser


@pytest.mark.parametrize(("provider", "field"), URL_FIELDS)
def test_the_admin_refuses_an_undecodable_host_as_a_field_error(operator, northwind, provider, field):
    field, data = form_data(provider, field)

    response = operator.post("/admin/flowpilot/psaconnection/add/", {**data, "account": str(northwind.pk)})

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not PsaConnection.objects.exists()


# ── The admin without usable PSA_ENCRYPTION_KEYS ────────────────────────────────────────────────────


@pytest.mark.parametrize(("keys", "words"), [([], "is not set"), (["not-a-key"], "not a Fernet key")])
def test_the_admin_without_usable_keys_shows_why_and_saves_nothing(operator, northwind, settings, keys, words):
    connection = PsaConnectionFactory(account=northwind)
    saved = PsaConnection.objects.get(pk=connection.pk).encrypted_secrets
    settings.PSA_ENCRYPTION_KEYS = keys
    _field, data = form_data("connectwise", "connectwise_site")
    data = {**data, "connectwise_site": "https://na.myconnectwise.net", "account": str(northwind.pk)}

    changed = operator.post(f"/admin/flowpilot/psaconnection/{connection.pk}/change/", data)
    added = operator.post("/admin/flowpilot/psaconnection/add/", data)

    for response in (changed, added):
        assert response.status_code == 200
        assert words in response.content.decode()
    stored = PsaConnection.objects.get()
    assert stored.connectwise_site == connection.connectwise_site and stored.encrypted_secrets == saved


# ── What a PSA answers ──────────────────────────────────────────────────────────────────────────────

INFINITE, NAN = float("inf"), float("nan")

# Per provider: (method, path glob, body) the fake answers instead of its own, each alone.
BAD_ANSWERS = {
    Provider.CONNECTWISE: [
        ("GET", "/login/companyinfo/*", {"Codebase": INFINITE}),
        ("GET", "/login/companyinfo/*", {"Codebase": NAN}),
    ],
    Provider.HALOPSA: [
        ("GET", "/api/Tickets", {"record_count": INFINITE}),
        ("GET", "/api/Tickets", {"record_count": NAN}),
        ("GET", "/api/Tickets", {"record_count": 10**30}),
        ("POST", "/auth/token", {"access_token": "t", "token_type": "Bearer", "expires_in": NAN}),
    ],
    Provider.AUTOTASK: [
        ("GET", "*/zoneInformation", {"url": "https://xn--zz.autotask.net/atservicesrest/"}),
        ("GET", "*/ThresholdInformation", {"currentTimeframeRequestCount": INFINITE, "externalRequestThreshold": 1}),
        ("GET", "*/ThresholdInformation", {"currentTimeframeRequestCount": 1, "externalRequestThreshold": NAN}),
    ],
}
CASES = [(provider, answer) for provider, answers in BAD_ANSWERS.items() for answer in answers]


@pytest.mark.parametrize(("provider", "answer"), CASES, ids=[f"{p.value}-{i}" for i, (p, _a) in enumerate(CASES)])
def test_a_bad_answer_is_a_failed_test_connection_with_a_message(northwind, fake_psa, provider, answer):
    method, glob, body = answer
    connection = connection_for_config(northwind, fake_psa.config(provider))
    fake_psa.answer(method, glob, body, times=5)

    check = connections.check_connection(connection)

    assert fake_psa.requests(method, glob), "the crafted answer was asked for"
    assert check.ok is False and check.message
    assert PsaConnection.objects.get(pk=connection.pk).last_test_ok is False


@pytest.mark.parametrize(("provider", "answer"), CASES, ids=[f"{p.value}-{i}" for i, (p, _a) in enumerate(CASES)])
def test_a_bad_answer_to_an_operation_is_a_psa_error(fake_psa, provider, answer):
    method, glob, body = answer
    fake_psa.answer(method, glob, body, times=5)
    ticket = fake_psa.tickets(provider)[0]

    # Each operation either gets past the crafted answer (a field it does not use) or refuses it as a typed
    # PsaError, which its callers handle; anything else (a ValueError, an OverflowError, an IDNAError) would
    # escape `outcome` and fail the test.
    def outcome(operation) -> str:
        try:
            operation()
        except PsaError:
            return "refused"
        return "answered"

    with connector_for(fake_psa.config(provider)) as connector:
        outcomes = [
            outcome(lambda: connector.get_ticket(str(ticket.id))),
            outcome(lambda: connector.open_tickets(fake_psa.identity(provider))),
            outcome(connector.test_connection),
        ]
    assert fake_psa.requests(method, glob), "the crafted answer was asked for"
    assert set(outcomes) <= {"answered", "refused"}


def test_test_connection_on_the_page_answers_a_failed_check_not_a_500(client, northwind_owner, fake_psa):
    connection_for_config(northwind_owner.account, fake_psa.config(Provider.AUTOTASK))
    fake_psa.answer("GET", "*/zoneInformation", {"url": "https://xn--zz.autotask.net/atservicesrest/"}, times=5)
    client.force_login(northwind_owner)

    response = client.post("/settings/psa/test/", **HTMX)

    assert response.status_code == 200
    assert "Not connected." in response.content.decode()


def test_an_unexpected_connector_failure_is_a_failed_check_naming_only_its_type(northwind, monkeypatch):
    connection = PsaConnectionFactory(account=northwind)

    def broken(request):
        raise RuntimeError("internal detail pub-Kx7Qw2ZpL9")

    check = connections.check_connection(connection, transport=httpx.MockTransport(broken))

    assert check.ok is False
    assert "RuntimeError" in check.message and "pub-Kx7Qw2ZpL9" not in check.message


def test_a_non_finite_number_is_a_bad_shape():
    from flowpilot.psa.connectors import shapes

    for value in (INFINITE, -INFINITE, NAN, 1e300, 10**40):
        with pytest.raises(PsaBadResponse):
            shapes.number({"n": value}, "n", "answer")
    assert shapes.number({"n": 12}, "n", "answer") == 12.0
