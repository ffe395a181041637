"""The owner's PSA settings page: who may open it, saving a connection per provider, and the identity table."""

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from flowpilot.psa.models import PsaConnection, PsaUserIdentity
from flowpilot.psa.tests.factories import CW_SECRETS, PsaConnectionFactory, PsaUserIdentityFactory
from resolutionflow.testing import HTMX, toast_of

pytestmark = pytest.mark.django_db

URL = "/settings/psa/"

CONNECTWISE = {
    "provider": "connectwise",
    "is_enabled": "on",
    "connectwise_site": "api-na.myconnectwise.net",
    "connectwise_company_id": "northwind",
    "connectwise_client_id": "5f2b6a0e-3c1d-4e7f-9a8b-1c2d3e4f5a6b",
    "secret_connectwise_public_key": "pub-typed-Q1w2E3",
    "secret_connectwise_private_key": "priv-typed-R4t5Y6",
    "member_id": "12",
    "member_identifier": "helpdesk",
}


def test_the_url_is_the_settings_page():
    assert reverse("flowpilot:psa-settings") == URL


def test_an_owner_opens_the_page(owner_client):
    response = owner_client.get(URL)

    assert response.status_code == 200
    assert b"PSA connection" in response.content


@pytest.mark.parametrize("persona", ["northwind_engineer", "northwind_admin"])
def test_engineers_and_team_admins_are_refused(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 403
    assert client.post(URL, CONNECTWISE).status_code == 403
    assert client.post(reverse("flowpilot:psa-test")).status_code == 403
    assert not PsaConnection.objects.exists()


def test_the_sidebar_links_owners_to_the_page(owner_client, client, northwind_engineer):
    assert URL.encode() in owner_client.get("/").content

    client.force_login(northwind_engineer)
    assert URL.encode() not in client.get("/").content


def test_saving_a_connectwise_connection_encrypts_its_keys(owner_client, northwind, northwind_owner):
    response = owner_client.post(URL, CONNECTWISE)

    assert response.status_code == 302
    connection = PsaConnection.objects.get(account=northwind)
    assert connection.provider == "connectwise"
    assert connection.connectwise_site == "api-na.myconnectwise.net"
    assert connection.secrets() == {"public_key": "pub-typed-Q1w2E3", "private_key": "priv-typed-R4t5Y6"}
    assert "priv-typed" not in connection.encrypted_secrets
    assert connection.updated_by == northwind_owner
    assert (connection.member_id, connection.member_identifier) == ("12", "helpdesk")


def test_saved_keys_are_never_shown_again(owner_client):
    owner_client.post(URL, CONNECTWISE)

    page = owner_client.get(URL).content.decode()

    assert "pub-typed-Q1w2E3" not in page and "priv-typed-R4t5Y6" not in page
    assert page.count("saved — leave blank to keep") == 2


def test_blank_keys_keep_the_saved_ones(owner_client, northwind):
    PsaConnectionFactory(account=northwind)

    response = owner_client.post(
        URL,
        {
            **CONNECTWISE,
            "secret_connectwise_public_key": "",
            "secret_connectwise_private_key": "",
            "connectwise_company_id": "nw",
        },
    )

    assert response.status_code == 302
    connection = PsaConnection.objects.get(account=northwind)
    assert connection.connectwise_company_id == "nw"
    assert connection.secrets() == CW_SECRETS


def test_one_typed_key_replaces_only_that_one(owner_client, northwind):
    PsaConnectionFactory(account=northwind)

    owner_client.post(URL, {**CONNECTWISE, "secret_connectwise_public_key": ""})

    assert PsaConnection.objects.get(account=northwind).secrets() == {
        "public_key": CW_SECRETS["public_key"],
        "private_key": "priv-typed-R4t5Y6",
    }


def test_a_new_connection_needs_its_keys(owner_client):
    response = owner_client.post(URL, {**CONNECTWISE, "secret_connectwise_private_key": ""})

    assert response.status_code == 422
    assert "Required: no value is saved for this provider." in response.content.decode()
    assert not PsaConnection.objects.exists()


def test_changing_provider_needs_the_new_providers_secrets(owner_client, northwind):
    PsaConnectionFactory(account=northwind)
    halo = {
        "provider": "halopsa",
        "halopsa_auth_url": "https://auth.halo.test",
        "halopsa_resource_url": "https://northwind.halo.test",
        "secret_halopsa_client_id": "cid-1",
    }

    refused = owner_client.post(URL, halo)
    saved = owner_client.post(URL, {**halo, "secret_halopsa_client_secret": "csecret-2"})

    assert refused.status_code == 422
    assert saved.status_code == 302
    connection = PsaConnection.objects.get(account=northwind)
    assert connection.provider == "halopsa"
    assert connection.secrets() == {"client_id": "cid-1", "client_secret": "csecret-2"}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("connectwise_site", "", "Required for this provider."),
        ("connectwise_company_id", "", "Required for this provider."),
        ("connectwise_client_id", "", "Required for this provider."),
        ("connectwise_site", "http://cw.example.com", "must use https"),
        ("connectwise_site", "https://user:pw@cw.example.com", "must not contain a user name or password"),
        ("connectwise_site", "ftp://cw.example.com", "must be an https:// URL"),
        ("member_id", "alex", "A number, as the PSA shows it."),
    ],
)
def test_connectwise_fields_are_validated(owner_client, field, value, error):
    response = owner_client.post(URL, {**CONNECTWISE, field: value})

    assert response.status_code == 422
    assert error in response.content.decode()
    assert not PsaConnection.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"halopsa_auth_url": "http://auth.halo.test"}, "must use https"),
        ({"halopsa_resource_url": ""}, "Required for this provider."),
        ({"halopsa_resource_url": "not a url"}, "Enter a valid URL."),
    ],
)
def test_halopsa_fields_are_validated(owner_client, data, error):
    halo = {
        "provider": "halopsa",
        "halopsa_auth_url": "https://auth.halo.test",
        "halopsa_resource_url": "https://northwind.halo.test",
        "secret_halopsa_client_id": "cid",
        "secret_halopsa_client_secret": "cs",
    }

    response = owner_client.post(URL, {**halo, **data})

    assert response.status_code == 422
    assert error in response.content.decode()


def test_autotask_needs_a_role_with_a_resource(owner_client):
    autotask = {
        "provider": "autotask",
        "autotask_username": "api@northwind.test",
        "secret_autotask_integration_code": "CODE",
        "autotask_zone_lookup_url": "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation",
        "secret_autotask_secret": "s3",
        "resource_id": "29683",
    }

    refused = owner_client.post(URL, autotask)
    saved = owner_client.post(URL, {**autotask, "role_id": "29683461"})

    assert refused.status_code == 422
    assert "give the resource&#x27;s role id" in refused.content.decode()
    assert saved.status_code == 302


def test_loopback_http_is_allowed_for_the_fake_psa(owner_client, northwind):
    response = owner_client.post(URL, {**CONNECTWISE, "connectwise_site": "http://127.0.0.1:8765"})

    assert response.status_code == 302
    assert PsaConnection.objects.get(account=northwind).connectwise_site == "http://127.0.0.1:8765"


def test_an_unknown_provider_is_a_form_error_not_a_500(owner_client):
    response = owner_client.post(URL, {**CONNECTWISE, "provider": "servicenow"})

    assert response.status_code == 422
    assert not PsaConnection.objects.exists()


def test_htmx_save_answers_the_settings_body_with_a_toast(owner_client):
    response = owner_client.post(URL, CONNECTWISE, **HTMX)

    assert response.status_code == 200
    assert 'id="psa-settings-body"' in response.content.decode()
    assert "<html" not in response.content.decode()
    assert "PSA connection saved." in toast_of(response)["message"]


def test_htmx_provider_switch_answers_that_providers_fields(owner_client):
    response = owner_client.get(URL, {"provider": "autotask"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="psa-provider-fields"' in body and "<html" not in body
    assert 'name="autotask_username"' in body and 'name="connectwise_site"' not in body


def test_the_provider_query_shows_its_fields_without_javascript(owner_client):
    body = owner_client.get(URL, {"provider": "halopsa"}).content.decode()

    assert 'name="halopsa_resource_url"' in body and 'name="connectwise_site"' not in body


def test_credentials_of_a_dropped_key_are_explained_and_can_be_reentered(owner_client, northwind, settings):
    PsaConnectionFactory(account=northwind)
    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    page = owner_client.get(URL)
    blank = owner_client.post(
        URL, {**CONNECTWISE, "secret_connectwise_public_key": "", "secret_connectwise_private_key": ""}
    )
    reentered = owner_client.post(URL, CONNECTWISE)

    message = "The PSA credentials cannot be read with the current PSA_ENCRYPTION_KEYS; re-enter them."
    assert page.status_code == 200 and message in page.content.decode()
    assert blank.status_code == 422
    assert reentered.status_code == 302
    assert PsaConnection.objects.get(account=northwind).secrets()["private_key"] == "priv-typed-R4t5Y6"


def test_without_keys_the_page_says_the_psa_is_unavailable_and_saving_is_refused(owner_client, settings):
    settings.PSA_ENCRYPTION_KEYS = []

    page = owner_client.get(URL)
    response = owner_client.post(URL, CONNECTWISE)

    assert page.status_code == 200
    assert "PSA_ENCRYPTION_KEYS is not set" in page.content.decode()
    assert response.status_code == 409
    assert "PSA_ENCRYPTION_KEYS is not set" in response.content.decode()
    assert not PsaConnection.objects.exists()


# ── The engineers' identities ──────────────────────────────────────────────────────────────────────


def identity_url(user) -> str:
    return reverse("flowpilot:psa-identity", args=[user.pk])


def test_the_table_lists_every_user_of_the_account_only(owner_client, northwind, northwind_engineer, contoso_engineer):
    PsaConnectionFactory(account=northwind)

    body = owner_client.get(URL).content.decode()

    assert northwind_engineer.email in body
    assert contoso_engineer.email not in body


def test_an_owner_maps_an_engineer_to_a_connectwise_member(owner_client, northwind, northwind_engineer):
    PsaConnectionFactory(account=northwind)
    prefix = f"u{northwind_engineer.pk.hex}"

    response = owner_client.post(
        identity_url(northwind_engineer),
        {f"{prefix}-member_id": "42", f"{prefix}-member_identifier": "arivera"},
        **HTMX,
    )

    assert response.status_code == 200
    assert f'id="psa-identity-{northwind_engineer.pk}"' in response.content.decode()
    identity = PsaUserIdentity.objects.get(user=northwind_engineer)
    assert (identity.account, identity.member_id, identity.member_identifier) == (northwind, "42", "arivera")


def test_mapping_keeps_the_other_providers_ids(owner_client, northwind, northwind_engineer):
    PsaConnectionFactory(account=northwind)
    PsaUserIdentityFactory(user=northwind_engineer, agent_id="9")
    prefix = f"u{northwind_engineer.pk.hex}"

    owner_client.post(identity_url(northwind_engineer), {f"{prefix}-member_id": "42"})

    identity = PsaUserIdentity.objects.get(user=northwind_engineer)
    assert (identity.member_id, identity.agent_id) == ("42", "9")


def test_clearing_a_mapping_returns_the_engineer_to_the_default(owner_client, northwind, northwind_engineer):
    PsaConnectionFactory(account=northwind)
    PsaUserIdentityFactory(user=northwind_engineer, member_id="42")

    response = owner_client.post(identity_url(northwind_engineer), {}, **HTMX)

    assert response.status_code == 200
    assert not PsaUserIdentity.objects.filter(user=northwind_engineer).exists()


def test_an_invalid_identity_is_refused_with_its_error(owner_client, northwind, northwind_engineer):
    PsaConnectionFactory(account=northwind)
    prefix = f"u{northwind_engineer.pk.hex}"

    response = owner_client.post(identity_url(northwind_engineer), {f"{prefix}-member_id": "alex"}, **HTMX)

    assert response.status_code == 422
    assert "A number, as the PSA shows it." in response.content.decode()
    assert not PsaUserIdentity.objects.exists()


def test_another_accounts_engineer_is_not_found(owner_client, northwind, contoso_engineer):
    PsaConnectionFactory(account=northwind)
    prefix = f"u{contoso_engineer.pk.hex}"

    response = owner_client.post(identity_url(contoso_engineer), {f"{prefix}-member_id": "42"})

    assert response.status_code == 404
    assert not PsaUserIdentity.objects.exists()


def test_another_accounts_owner_cannot_map_our_engineers(client, contoso_owner, northwind, northwind_engineer):
    PsaConnectionFactory(account=northwind)
    client.force_login(contoso_owner)

    assert client.post(identity_url(northwind_engineer), {}).status_code == 404


def test_mapping_before_a_connection_exists_is_refused(owner_client, northwind_engineer):
    response = owner_client.post(identity_url(northwind_engineer), {}, **HTMX)

    assert response.status_code == 422
    assert "Save the connection first." in toast_of(response)["message"]


def test_a_role_without_its_resource_is_refused(owner_client, northwind, northwind_engineer):
    PsaConnectionFactory(account=northwind, provider="autotask", secrets={"secret": "s", "integration_code": "c"})
    prefix = f"u{northwind_engineer.pk.hex}"

    response = owner_client.post(identity_url(northwind_engineer), {f"{prefix}-role_id": "29683461"}, **HTMX)

    assert response.status_code == 422
    assert "give the resource id too" in response.content.decode()


def test_the_page_reads_a_fixed_number_of_rows_however_many_engineers(
    owner_client, northwind, django_assert_max_num_queries
):
    from resolutionflow.tests.factories import UserFactory

    PsaConnectionFactory(account=northwind)
    for n in range(12):
        PsaUserIdentityFactory(user=UserFactory(email=f"eng{n}@northwind.test", account=northwind), member_id=str(n))

    with django_assert_max_num_queries(12):
        response = owner_client.get(URL)

    assert response.content.decode().count('<form id="psa-identity-form-') == 13  # the owner and the twelve
