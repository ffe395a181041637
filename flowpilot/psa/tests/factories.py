"""Factories of the PSA's models. A connection's credentials are encrypted like the settings page does."""

import factory

from flowpilot.psa.connectors.base import Identity
from flowpilot.psa.models import PsaConnection, PsaUserIdentity
from resolutionflow.tests.factories import AccountFactory, UserFactory

CW_SECRETS = {"public_key": "pub-Kx7Qw2ZpL9", "private_key": "priv-Vn4Hs8TrY3mB"}


class PsaConnectionFactory(factory.django.DjangoModelFactory):
    """A ConnectWise connection by default; `secrets={...}` sets (and encrypts) the credentials."""

    class Meta:
        model = PsaConnection
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    provider = "connectwise"
    connectwise_site = "https://api-na.myconnectwise.net"
    connectwise_company_id = "northwind"
    connectwise_client_id = "5f2b6a0e-3c1d-4e7f-9a8b-1c2d3e4f5a6b"

    @factory.post_generation
    def secrets(obj, create, extracted, **kwargs):
        obj.set_secrets(dict(CW_SECRETS) if extracted is None else extracted)
        if create:
            obj.save(update_fields=["encrypted_secrets"])


class PsaUserIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PsaUserIdentity

    user = factory.SubFactory(UserFactory)
    account = factory.LazyAttribute(lambda identity: identity.user.account)


def connection_for_config(account, config, identity=None, **fields) -> PsaConnection:
    """A saved connection of `account` that reaches what `config` (e.g. `fake_psa.config(provider)`) reaches."""
    connection = PsaConnection(account=account, **fields)
    connection.apply_config(config)
    for name, value in vars(identity or Identity()).items():
        setattr(connection, name, value)
    connection.save()
    return connection
