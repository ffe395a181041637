""" "Test connection": the PSA's answer in words, against the fake PSA as a real HTTP server on 127.0.0.1."""

import pytest
from cryptography.fernet import Fernet

from flowpilot.psa import connection as connections
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.fake import SECRETS
from flowpilot.psa.models import PsaConnection
from flowpilot.psa.tests.factories import connection_for_config
from resolutionflow.testing import HTMX, toast_of

pytestmark = pytest.mark.django_db

TEST_URL = "/settings/psa/test/"


@pytest.mark.parametrize("provider", list(Provider))
def test_each_provider_connects_to_the_fake_psa(northwind, fake_psa, provider):
    connection = connection_for_config(northwind, fake_psa.config(provider))

    check = connections.check_connection(connection)

    assert check.ok, check.message
    stored = PsaConnection.objects.get(pk=connection.pk)
    assert stored.last_test_ok is True
    assert stored.last_test_message == check.message
    assert stored.last_tested_at is not None


@pytest.mark.parametrize("provider", list(Provider))
def test_wrong_credentials_are_a_failed_check_in_words(northwind, fake_psa, provider):
    config = fake_psa.config(provider)
    secrets = {name: f"wrong-{value}" for name, value in config.secrets.items()}
    connection = connection_for_config(northwind, config)
    connection.set_secrets({**connection.secrets(), **secrets})
    connection.save()

    check = connections.check_connection(connection)

    assert not check.ok
    assert "401" in check.message or "refused" in check.message.lower() or "rejected" in check.message.lower()
    assert all(secret not in check.message for secret in [*secrets.values(), *SECRETS])


def test_a_psa_that_echoes_the_credentials_never_shows_them(northwind, fake_psa):
    connection = connection_for_config(northwind, fake_psa.config(Provider.CONNECTWISE))
    fake_psa.fail(None, "*", 500, echo=True, times=5)

    check = connections.check_connection(connection)

    assert not check.ok
    assert all(secret not in check.message for secret in SECRETS)
    assert all(secret not in PsaConnection.objects.get(pk=connection.pk).last_test_message for secret in SECRETS)


def test_a_hanging_psa_fails_the_check_after_the_timeout(northwind, fake_psa, settings):
    settings.PSA_TIMEOUT_SECONDS = 0.5
    connection = connection_for_config(northwind, fake_psa.config(Provider.CONNECTWISE))
    fake_psa.hang(None, "*", seconds=5, times=5)

    check = connections.check_connection(connection)

    assert not check.ok
    assert "did not answer" in check.message


def test_unreadable_credentials_fail_the_check_with_the_re_enter_message(northwind, fake_psa, settings):
    connection = connection_for_config(northwind, fake_psa.config(Provider.CONNECTWISE))
    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    check = connections.check_connection(connection)

    assert not check.ok
    assert check.message == "The PSA credentials cannot be read with the current PSA_ENCRYPTION_KEYS; re-enter them."


def test_the_owner_tests_the_connection_from_the_page(client, northwind_owner, fake_psa):
    connection_for_config(northwind_owner.account, fake_psa.config(Provider.CONNECTWISE))
    client.force_login(northwind_owner)

    response = client.post(TEST_URL, **HTMX)

    assert response.status_code == 200
    assert "Connection works." in response.content.decode()
    assert toast_of(response)["level"] == "success"


def test_a_failed_test_shows_the_psas_answer_on_the_page(client, northwind_owner, fake_psa):
    connection_for_config(northwind_owner.account, fake_psa.config(Provider.CONNECTWISE))
    fake_psa.fail(None, "*", 503, times=5)
    client.force_login(northwind_owner)

    response = client.post(TEST_URL, **HTMX)
    page = client.get("/settings/psa/").content.decode()

    assert response.status_code == 200
    assert "Not connected." in response.content.decode() and "503" in response.content.decode()
    assert toast_of(response)["level"] == "warning"
    assert "Not connected." in page


def test_without_javascript_the_test_redirects_with_its_answer(client, northwind_owner, fake_psa):
    connection_for_config(northwind_owner.account, fake_psa.config(Provider.CONNECTWISE))
    client.force_login(northwind_owner)

    response = client.post(TEST_URL, follow=True)

    assert response.redirect_chain[-1][0] == "/settings/psa/"
    assert "The PSA answered: the connection works." in response.content.decode()


def test_testing_before_saving_a_connection_is_refused(client, northwind_owner):
    client.force_login(northwind_owner)

    response = client.post(TEST_URL, **HTMX)

    assert response.status_code == 422
    assert "Save the connection first." in toast_of(response)["message"]


def test_saving_changed_settings_forgets_the_last_test(client, northwind_owner, fake_psa):
    connection = connection_for_config(northwind_owner.account, fake_psa.config(Provider.CONNECTWISE))
    connections.check_connection(connection)
    client.force_login(northwind_owner)

    client.post(
        "/settings/psa/",
        {
            "provider": "connectwise",
            "connectwise_site": "https://elsewhere.example.com",
            "connectwise_company_id": connection.connectwise_company_id,
            "connectwise_client_id": connection.connectwise_client_id,
        },
    )

    stored = PsaConnection.objects.get(pk=connection.pk)
    assert stored.connectwise_site == "https://elsewhere.example.com"
    assert stored.last_tested_at is None and stored.last_test_ok is None
