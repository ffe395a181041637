"""What `make serve` sets for plain HTTP on loopback: the host it is bound to is one Django accepts."""

import pytest
from django.http.request import split_domain_port, validate_host

from ops.serve import production_environment

BASE = {"SECRET_KEY": "x" * 50, "PSA_ENCRYPTION_KEYS": "set"}


@pytest.mark.parametrize(
    ("bound", "host_header"),
    [
        ("127.0.0.1", "127.0.0.1:8000"),
        ("localhost", "localhost:8000"),
        ("127.0.0.2", "127.0.0.2:8000"),
        ("::1", "[::1]:8000"),
        ("[::1]", "[::1]:8000"),
    ],
)
def test_a_loopback_bind_allows_its_own_host_and_drops_https_only_settings(bound, host_header):
    env, notes = production_environment(bound, base=dict(BASE))

    allowed = env["ALLOWED_HOSTS"].split(",")
    assert validate_host(split_domain_port(host_header)[0], allowed), (host_header, allowed)
    assert env["SECURE_SSL_REDIRECT"] == "0" and env["DEBUG"] == "0"
    assert any(note.startswith("Plain HTTP on loopback") for note in notes)


def test_a_public_bind_sets_nothing_for_plain_http():
    env, notes = production_environment("0.0.0.0", base={**BASE, "ALLOWED_HOSTS": "help.example.com"})

    assert env["ALLOWED_HOSTS"] == "help.example.com" and "SECURE_SSL_REDIRECT" not in env
    assert not any(note.startswith("Plain HTTP") for note in notes)
