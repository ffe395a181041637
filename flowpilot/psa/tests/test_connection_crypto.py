"""PSA credentials at rest (flowpilot/psa/crypto.py): MultiFernet keyed by PSA_ENCRYPTION_KEYS."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from flowpilot.errors import PsaCredentialsUnreadable, PsaUnavailable
from flowpilot.psa import connection as connections
from flowpilot.psa import crypto
from flowpilot.psa.models import PsaConnection
from flowpilot.psa.tests.factories import CW_SECRETS, PsaConnectionFactory

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def test_secrets_round_trip_and_the_token_does_not_hold_them(settings):
    settings.PSA_ENCRYPTION_KEYS = [NEW_KEY]

    token = crypto.encrypt_secrets(CW_SECRETS)

    assert crypto.decrypt_secrets(token) == CW_SECRETS
    assert all(value not in token for value in CW_SECRETS.values())


def test_the_first_key_encrypts_and_every_key_decrypts(settings):
    settings.PSA_ENCRYPTION_KEYS = [OLD_KEY]
    old_token = crypto.encrypt_secrets(CW_SECRETS)

    settings.PSA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    new_token = crypto.encrypt_secrets(CW_SECRETS)

    assert crypto.decrypt_secrets(old_token) == CW_SECRETS
    settings.PSA_ENCRYPTION_KEYS = [NEW_KEY]
    assert crypto.decrypt_secrets(new_token) == CW_SECRETS


def test_a_token_no_key_opens_is_a_clear_typed_error(settings):
    settings.PSA_ENCRYPTION_KEYS = [OLD_KEY]
    token = crypto.encrypt_secrets(CW_SECRETS)
    settings.PSA_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(PsaCredentialsUnreadable) as raised:
        crypto.decrypt_secrets(token)

    assert str(raised.value) == (
        "The PSA credentials cannot be read with the current PSA_ENCRYPTION_KEYS; re-enter them."
    )


def test_without_keys_the_psa_is_unavailable_and_says_what_to_set(settings):
    settings.PSA_ENCRYPTION_KEYS = []

    with pytest.raises(PsaUnavailable, match="PSA_ENCRYPTION_KEYS is not set"):
        crypto.encrypt_secrets(CW_SECRETS)
    assert not crypto.is_available()


def test_a_key_that_is_not_a_fernet_key_makes_the_psa_unavailable_without_echoing_it(settings):
    settings.PSA_ENCRYPTION_KEYS = ["not-a-key-hunter2"]

    with pytest.raises(PsaUnavailable) as raised:
        crypto.encrypt_secrets(CW_SECRETS)

    assert "not a Fernet key" in str(raised.value)
    assert "hunter2" not in str(raised.value)


@pytest.mark.django_db
def test_rotation_reencrypts_every_connection_with_the_first_key(settings, northwind, contoso):
    settings.PSA_ENCRYPTION_KEYS = [OLD_KEY]
    northwind_connection = PsaConnectionFactory(account=northwind)
    settings.PSA_ENCRYPTION_KEYS = [NEW_KEY]
    lost = PsaConnectionFactory(account=contoso)
    settings.PSA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    lost.set_secrets({"public_key": "x", "private_key": "y"})  # made with a key about to be dropped
    lost.save()

    settings.PSA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert connections.reencrypt_all() == (1, 1)

    settings.PSA_ENCRYPTION_KEYS = [NEW_KEY]  # the old key dropped: the rotated connection still opens
    assert PsaConnection.objects.get(pk=northwind_connection.pk).secrets() == CW_SECRETS


@pytest.mark.django_db
def test_the_rotate_command_reports_what_it_did(settings, northwind, capsys):
    from django.core.management import call_command

    settings.PSA_ENCRYPTION_KEYS = [OLD_KEY]
    PsaConnectionFactory(account=northwind)
    settings.PSA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    call_command("rotate_psa_keys")

    assert "1 PSA connection(s) re-encrypted" in capsys.readouterr().out


def _settings_in_a_fresh_process(env: dict) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(len(settings.PSA_ENCRYPTION_KEYS))"
    base = {k: v for k, v in os.environ.items() if k not in {"PSA_ENCRYPTION_KEYS", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**base, "DJANGO_SETTINGS_MODULE": "resolutionflow.settings", "SECRET_KEY": "x", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_without_keys_generates_one_under_the_data_folder():
    result = _settings_in_a_fresh_process({"DEBUG": "1"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    key_file = settings.DATA_DIR / "dev-psa-encryption-key"
    Fernet(key_file.read_text().strip().encode())  # a real Fernet key


def test_without_debug_and_keys_the_settings_still_load():
    result = _settings_in_a_fresh_process({"DEBUG": "0"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
