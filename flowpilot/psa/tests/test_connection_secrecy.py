"""PSA credentials never come back out: not in the admin, the API, the logs, the pages or error messages."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from flowpilot.psa import connection as connections
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.fake import SECRETS
from flowpilot.psa.models import PsaConnection, PsaUserIdentity
from flowpilot.psa.tests.factories import CW_SECRETS, PsaConnectionFactory, connection_for_config
from resolutionflow.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_SECRETS = (*CW_SECRETS.values(), *SECRETS)


def assert_no_secret(text: str, token: str = ""):
    leaked = [secret for secret in ALL_SECRETS if secret in text]
    assert not leaked, f"secrets in the output: {leaked}"
    if token:
        assert token not in text


@pytest.fixture
def operator():
    """A platform operator's own browser (a client of its own, beside the `client` fixture)."""
    browser = Client()
    browser.force_login(UserFactory(email="ops@platform.test", account=None, is_staff=True, is_superuser=True))
    return browser


# ── The Django admin ────────────────────────────────────────────────────────────────────────────────


def change_url(connection) -> str:
    return f"/admin/flowpilot/psaconnection/{connection.pk}/change/"


def admin_post(connection, **changes) -> dict:
    data = {
        "account": str(connection.account_id),
        "provider": connection.provider,
        "is_enabled": "on",
        "connectwise_site": connection.connectwise_site,
        "connectwise_company_id": connection.connectwise_company_id,
        "connectwise_client_id": connection.connectwise_client_id,
        "autotask_zone_lookup_url": connection.autotask_zone_lookup_url,
    }
    return {**data, **changes}


def test_the_admin_change_page_shows_settings_but_no_credentials(operator, northwind):
    connection = PsaConnectionFactory(account=northwind)

    page = operator.get(change_url(connection)).content.decode()

    assert "api-na.myconnectwise.net" in page
    assert "saved (encrypted)" in page
    assert_no_secret(page, token=connection.encrypted_secrets)


def test_the_admin_list_shows_no_credentials(operator, northwind):
    connection = PsaConnectionFactory(account=northwind)

    page = operator.get("/admin/flowpilot/psaconnection/").content.decode()

    assert "Northwind IT" in page
    assert_no_secret(page, token=connection.encrypted_secrets)


def test_the_admin_keeps_credentials_left_blank(operator, northwind):
    connection = PsaConnectionFactory(account=northwind)

    response = operator.post(change_url(connection), admin_post(connection, connectwise_company_id="nw2"))

    assert response.status_code == 302
    stored = PsaConnection.objects.get(pk=connection.pk)
    assert stored.connectwise_company_id == "nw2"
    assert stored.secrets() == CW_SECRETS


def test_the_admin_replaces_credentials_through_its_write_only_fields(operator, northwind):
    connection = PsaConnectionFactory(account=northwind)

    response = operator.post(
        change_url(connection), admin_post(connection, secret_connectwise_private_key="priv-replaced-Z9")
    )
    page = operator.get(change_url(connection)).content.decode()

    assert response.status_code == 302
    assert PsaConnection.objects.get(pk=connection.pk).secrets()["private_key"] == "priv-replaced-Z9"
    assert "priv-replaced-Z9" not in page


def test_a_refused_admin_form_does_not_echo_a_typed_credential(operator, northwind):
    connection = PsaConnectionFactory(account=northwind)

    response = operator.post(
        change_url(connection),
        admin_post(
            connection, connectwise_site="http://not-loopback.example", secret_connectwise_public_key="pk-Typed7"
        ),
    )

    assert response.status_code == 200  # the form again, with its error
    assert "must use https" in response.content.decode()
    assert "pk-Typed7" not in response.content.decode()


def test_the_admin_refuses_a_second_connection_for_an_account(operator, northwind):
    PsaConnectionFactory(account=northwind)
    connection = PsaConnection(account=northwind, provider="connectwise", connectwise_site="https://cw.example.com")

    response = operator.post(
        "/admin/flowpilot/psaconnection/add/",
        admin_post(
            connection,
            connectwise_company_id="nw",
            connectwise_client_id="cid",
            secret_connectwise_public_key="a",
            secret_connectwise_private_key="b",
        ),
    )

    assert response.status_code == 200
    assert PsaConnection.objects.count() == 1


def test_the_admin_refuses_an_identity_for_another_accounts_user(operator, northwind, contoso_engineer):
    response = operator.post(
        "/admin/flowpilot/psauseridentity/add/",
        {"account": str(northwind.pk), "user": str(contoso_engineer.pk), "member_id": "42"},
    )

    assert response.status_code == 200
    assert "belongs to Contoso MSP" in response.content.decode()
    assert not PsaUserIdentity.objects.exists()


# ── The API ────────────────────────────────────────────────────────────────────────────────────────


def test_the_api_shows_the_connection_without_credentials(api_as, northwind_owner):
    connection = PsaConnectionFactory(account=northwind_owner.account)

    response = api_as(northwind_owner).get("/api/v1/psa/connection")

    assert response.status_code == 200
    assert response.json()["settings"]["site"] == "https://api-na.myconnectwise.net"
    assert response.json()["has_credentials"] is True
    assert_no_secret(response.content.decode(), token=connection.encrypted_secrets)


def test_the_api_is_for_owners(api_as, northwind_admin):
    PsaConnectionFactory(account=northwind_admin.account)

    assert api_as(northwind_admin).get("/api/v1/psa/connection").status_code == 403


def test_the_api_shows_only_the_callers_account(api_as, contoso_owner, northwind):
    PsaConnectionFactory(account=northwind)

    assert api_as(contoso_owner).get("/api/v1/psa/connection").status_code == 404


def test_the_api_explains_unreadable_credentials_without_failing(api_as, northwind_owner, settings):
    PsaConnectionFactory(account=northwind_owner.account)
    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    response = api_as(northwind_owner).get("/api/v1/psa/connection")

    assert response.status_code == 200
    assert "re-enter them" in response.json()["credentials_problem"]


# ── Logs and error messages ─────────────────────────────────────────────────────────────────────────


def test_saving_and_testing_log_no_credentials(client, northwind_owner, fake_psa, caplog):
    caplog.set_level(logging.DEBUG)
    config = fake_psa.config(Provider.CONNECTWISE)
    client.force_login(northwind_owner)

    client.post(
        "/settings/psa/",
        {
            "provider": "connectwise",
            "connectwise_site": config.settings["site"],
            "connectwise_company_id": config.settings["company_id"],
            "connectwise_client_id": config.settings["client_id"],
            "secret_connectwise_public_key": config.secrets["public_key"],
            "secret_connectwise_private_key": config.secrets["private_key"],
        },
    )
    fake_psa.fail(None, "*", 401, echo=True, times=5)
    client.post("/settings/psa/test/")

    assert "PSA connection of account" in caplog.text  # the save and the test were logged...
    assert_no_secret(caplog.text)  # ...without a credential


def test_error_messages_of_a_failed_test_carry_no_credentials(northwind, fake_psa, caplog):
    caplog.set_level(logging.DEBUG)
    connection = connection_for_config(northwind, fake_psa.config(Provider.HALOPSA))
    fake_psa.fail(None, "*", 500, echo=True, times=5)

    check = connections.check_connection(connection)

    assert not check.ok
    assert_no_secret(check.message)
    assert_no_secret(caplog.text)


def test_a_wrong_key_is_a_message_on_the_page_not_a_500(client, northwind_owner, settings):
    PsaConnectionFactory(account=northwind_owner.account)
    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    client.force_login(northwind_owner)

    page = client.get("/settings/psa/")
    test = client.post("/settings/psa/test/", follow=True)

    message = "The PSA credentials cannot be read with the current PSA_ENCRYPTION_KEYS; re-enter them"
    assert page.status_code == 200 and message in page.content.decode()
    assert test.status_code == 200 and message in test.content.decode()


def test_the_settings_page_never_renders_a_typed_credential_back(client, northwind_owner):
    client.force_login(northwind_owner)

    response = client.post(
        "/settings/psa/",
        {
            "provider": "connectwise",
            "secret_connectwise_public_key": "pk-Typed7",
            "secret_connectwise_private_key": "x",
        },
    )

    assert response.status_code == 422
    assert "pk-Typed7" not in response.content.decode()


def test_error_reports_hide_the_typed_credentials(client, northwind_owner, operator, northwind):
    from django.views.debug import SafeExceptionReporterFilter

    connection = PsaConnectionFactory(account=northwind)
    typed = {"provider": "connectwise", "secret_connectwise_private_key": "priv-Typed9"}
    client.force_login(northwind_owner)
    page_request = client.post("/settings/psa/", typed).wsgi_request
    admin_request = operator.post(change_url(connection), admin_post(connection, **typed)).wsgi_request

    for request in (page_request, admin_request):
        shown = SafeExceptionReporterFilter().get_post_parameters(request)
        assert shown["secret_connectwise_private_key"] != "priv-Typed9"


@pytest.mark.parametrize("provider", list(Provider))
def test_no_providers_credentials_show_on_the_page_the_admin_or_the_api(
    provider, client, northwind_owner, operator, api_as
):
    from flowpilot.psa.fake import connector_config

    config = connector_config(provider, "https://psa.example.com")
    connection = connection_for_config(northwind_owner.account, config)
    client.force_login(northwind_owner)

    shown = [
        client.get("/settings/psa/").content.decode(),
        operator.get(change_url(connection)).content.decode(),
        api_as(northwind_owner).get("/api/v1/psa/connection").content.decode(),
    ]

    for text in shown:
        assert_no_secret(text, token=connection.encrypted_secrets)  # the Autotask integration code included
