"""The demo account's PSA connection: ConnectWise at the fake PSA `make run` starts, its engineers mapped."""

import pytest
from cryptography.fernet import Fernet

from flowpilot.psa import demo_connection
from flowpilot.psa.connectors.base import Identity, Provider
from flowpilot.psa.fake import connector_config
from flowpilot.psa.models import PsaConnection
from resolutionflow.demo import DEMO_STEPS, seed_accounts
from resolutionflow.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_connection_reaches_the_fake_psa_as_connectwise():
    accounts = seed_accounts()

    demo_connection.seed(accounts)

    connection = PsaConnection.objects.get(account=accounts["northwind"])
    assert connection.connector_config() == connector_config(Provider.CONNECTWISE, "http://127.0.0.1:8765")
    assert connection.is_enabled


def test_the_demo_engineers_act_as_their_fake_psa_members():
    accounts = seed_accounts()
    demo_connection.seed(accounts)
    connection = PsaConnection.objects.get(account=accounts["northwind"])

    alex = connection.identity_for(User.objects.get(email="alex@northwind.test"))
    sam = connection.identity_for(User.objects.get(email="sam@northwind.test"))
    owner = connection.identity_for(User.objects.get(email="owner@northwind.test"))

    assert alex == Identity(member_id="148", member_identifier="alex.rivera")
    assert sam == Identity(member_id="152", member_identifier="sam.lee")
    assert owner == alex  # the account default


def test_the_demo_connection_works_against_the_fake_psa(fake_psa):
    from flowpilot.psa import connection as connections

    accounts = seed_accounts()
    demo_connection.seed(accounts)
    connection = PsaConnection.objects.get(account=accounts["northwind"])
    connection.connectwise_site = fake_psa.url  # the test's fake runs on a free port, not 8765
    connection.save()

    assert connections.check_connection(connection).ok


def test_seeding_again_keeps_an_owners_changes():
    accounts = seed_accounts()
    demo_connection.seed(accounts)
    PsaConnection.objects.update(connectwise_company_id="changed")

    assert demo_connection.seed(accounts) == "PSA connection already there"
    assert PsaConnection.objects.get().connectwise_company_id == "changed"


def test_seeding_again_after_the_key_changed_saves_the_demo_credentials_again(settings):
    accounts = seed_accounts()
    demo_connection.seed(accounts)
    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    demo_connection.seed(accounts)

    assert PsaConnection.objects.get().secrets() == connector_config(Provider.CONNECTWISE, "http://x").secrets


def test_without_keys_the_demo_skips_the_connection(settings):
    settings.PSA_ENCRYPTION_KEYS = []

    assert "skipped" in demo_connection.seed(seed_accounts())
    assert not PsaConnection.objects.exists()


def test_the_step_is_registered_by_flowpilot_not_named_by_the_core():
    assert (25, demo_connection.seed) in DEMO_STEPS
