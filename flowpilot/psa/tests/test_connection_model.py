"""A connection builds its connector's config, and says who each engineer is in the PSA."""

import pytest
from django.db import connection as db

from flowpilot.errors import PsaCredentialsUnreadable
from flowpilot.psa.connectors.base import ConnectorConfig, Identity, Provider
from flowpilot.psa.models import PsaConnection
from flowpilot.psa.tests.factories import CW_SECRETS, PsaConnectionFactory, PsaUserIdentityFactory

pytestmark = pytest.mark.django_db


def test_the_connector_config_has_the_providers_settings_and_decrypted_secrets(northwind, settings):
    settings.PSA_TIMEOUT_SECONDS = 7.5
    connection = PsaConnectionFactory(account=northwind, connectwise_codebase="v2026_1", halopsa_tenant="ignored")

    config = connection.connector_config()

    assert config == ConnectorConfig(
        provider=Provider.CONNECTWISE,
        settings={
            "site": "https://api-na.myconnectwise.net",
            "company_id": "northwind",
            "client_id": "5f2b6a0e-3c1d-4e7f-9a8b-1c2d3e4f5a6b",
            "codebase": "v2026_1",
        },
        secrets=CW_SECRETS,
        timeout_seconds=7.5,
    )
    assert "priv-" not in repr(config)


def test_halopsa_and_autotask_configs_use_their_own_settings(northwind, contoso):
    halo = PsaConnectionFactory(
        account=northwind,
        provider="halopsa",
        halopsa_auth_url="https://auth.halo.test",
        halopsa_resource_url="https://northwind.halo.test",
        halopsa_tenant="northwind",
        secrets={"client_id": "cid", "client_secret": "csecret"},
    )
    autotask = PsaConnectionFactory(
        account=contoso,
        provider="autotask",
        autotask_username="api@contoso.test",
        secrets={"secret": "s3cr3t", "integration_code": "INTCODE"},
    )

    assert halo.connector_config().settings == {
        "auth_url": "https://auth.halo.test",
        "resource_url": "https://northwind.halo.test",
        "tenant": "northwind",
    }
    assert halo.connector_config().secrets == {"client_id": "cid", "client_secret": "csecret"}
    assert autotask.connector_config().settings == {
        "username": "api@contoso.test",
        "integration_code": "INTCODE",
        "zone_lookup_url": "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation",
    }


def test_autotask_impersonation_is_a_setting_the_connector_reads(northwind):
    connection = PsaConnectionFactory(
        account=northwind, provider="autotask", autotask_impersonate=True, secrets={"secret": "s3cr3t"}
    )

    assert connection.connector_config().settings["impersonate"] == "true"


def test_the_database_holds_no_secret_in_clear(northwind):
    PsaConnectionFactory(account=northwind)

    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM flowpilot_psaconnection")
        row = " ".join(str(value) for value in cursor.fetchone())

    assert all(value not in row for value in CW_SECRETS.values())


def test_an_engineer_with_a_mapping_acts_as_themself(northwind, northwind_engineer):
    connection = PsaConnectionFactory(account=northwind, member_id="1", member_identifier="helpdesk")
    PsaUserIdentityFactory(user=northwind_engineer, member_id="42", member_identifier="arivera")

    assert connection.identity_for(northwind_engineer) == Identity(member_id="42", member_identifier="arivera")


def test_an_engineer_without_a_mapping_acts_as_the_account_default(northwind, northwind_engineer, northwind_admin):
    connection = PsaConnectionFactory(account=northwind, member_id="1", member_identifier="helpdesk")
    PsaUserIdentityFactory(user=northwind_admin, agent_id="9")  # a Halo identity: not one in ConnectWise

    assert connection.identity_for(northwind_engineer) == Identity(member_id="1", member_identifier="helpdesk")
    assert connection.identity_for(northwind_admin) == Identity(member_id="1", member_identifier="helpdesk")


def test_autotask_identity_is_a_resource_and_its_role(northwind, northwind_engineer):
    connection = PsaConnectionFactory(account=northwind, provider="autotask", secrets={"secret": "x"})
    PsaUserIdentityFactory(user=northwind_engineer, resource_id="29683", role_id="29683461", member_id="7")

    assert connection.identity_for(northwind_engineer) == Identity(resource_id="29683", role_id="29683461")


def test_no_mapping_and_no_default_is_no_identity(northwind, northwind_engineer):
    assert PsaConnectionFactory(account=northwind).identity_for(northwind_engineer) is None


def test_credentials_of_a_dropped_key_are_a_typed_error(northwind, settings):
    from cryptography.fernet import Fernet

    connection = PsaConnectionFactory(account=northwind)
    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(PsaCredentialsUnreadable):
        PsaConnection.objects.get(pk=connection.pk).connector_config()


def test_one_connection_per_account(northwind):
    from django.db import IntegrityError

    PsaConnectionFactory(account=northwind)
    with pytest.raises(IntegrityError):
        PsaConnectionFactory(account=northwind)


def test_a_second_first_save_edits_the_accounts_connection_instead_of_failing(northwind):
    from flowpilot.psa import connection as connections

    first = PsaConnectionFactory(account=northwind)
    late = PsaConnection(account=northwind, provider="connectwise", connectwise_site="https://other.example.com")

    connections.save_connection(late, secrets={"public_key": "p2", "private_key": "k2"})

    assert PsaConnection.objects.get().pk == first.pk
    assert PsaConnection.objects.get().connectwise_site == "https://other.example.com"
