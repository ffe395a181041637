"""Decrypted credentials never show in a repr or in Django's error report of a function that held them."""

import sys

import pytest
from django.views.debug import ExceptionReporter

from flowpilot.psa import connection as connections
from flowpilot.psa.connectors.base import Provider
from flowpilot.psa.fake import SECRETS
from flowpilot.psa.fake.seeds import connector_config
from flowpilot.psa.models import PsaConnection
from flowpilot.psa.tests.factories import connection_for_config

pytestmark = pytest.mark.django_db

TYPED = {"public_key": "pub-typed-Zq81", "private_key": "priv-typed-Wm27"}


@pytest.mark.parametrize("provider", list(Provider))
def test_a_connector_configs_repr_shows_no_credential(northwind, provider):
    connection = connection_for_config(northwind, connector_config(provider, "https://psa.example.com"))

    config = connection.connector_config()

    for shown in (repr(config), str(config), f"{config!r}"):
        assert not [secret for secret in SECRETS if secret in shown], shown
    assert config.provider.value in repr(config)


def error_report(exc_info) -> str:
    """The variables Django's error report shows for each frame of the product (not of this test)."""
    frames = ExceptionReporter(None, *exc_info).get_traceback_frames()
    return "\n".join(
        f"{frame['function']}: {frame['vars']!r}" for frame in frames if "/tests/" not in frame["filename"]
    )


def test_an_error_while_saving_credentials_reports_none_of_them(northwind, monkeypatch):
    connection = connection_for_config(northwind, connector_config(Provider.CONNECTWISE, "https://psa.example.com"))

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(PsaConnection, "save", broken_save)
    try:
        connections.save_connection(connection, secrets=TYPED)
    except RuntimeError:
        report = error_report(sys.exc_info())

    assert "save_connection" in report
    assert not [secret for secret in [*TYPED.values(), *SECRETS] if secret in report]


def test_an_error_while_testing_the_connection_reports_no_credential(northwind, monkeypatch):
    connection = connection_for_config(northwind, connector_config(Provider.AUTOTASK, "https://psa.example.com"))
    monkeypatch.setattr(connections.timezone, "now", lambda: (_ for _ in ()).throw(RuntimeError("clock broke")))
    try:
        connections.check_connection(connection)
    except RuntimeError:
        report = error_report(sys.exc_info())

    assert "check_connection" in report
    assert not [secret for secret in SECRETS if secret in report]
