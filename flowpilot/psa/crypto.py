"""PSA credentials at rest: a JSON object of secrets, encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

`PSA_ENCRYPTION_KEYS` holds one or more Fernet keys: the first encrypts, every one decrypts (MultiFernet),
so an operator rotates by putting a new key first, running `manage.py rotate_psa_keys` (which re-encrypts
every connection with it) and then dropping the old key. Without keys the PSA is unavailable
(`PsaUnavailable`); a token no key opens is `PsaCredentialsUnreadable`. Neither message names a key or a secret.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from flowpilot.errors import PsaCredentialsUnreadable, PsaUnavailable

NO_KEYS = (
    "The PSA is unavailable: PSA_ENCRYPTION_KEYS is not set. An operator sets it (see the README, Configuration) "
    "to store PSA credentials encrypted."
)
BAD_KEY = (
    "The PSA is unavailable: PSA_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 "
    "bytes; make one with `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'`)."
)


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys])
    except (ValueError, TypeError):
        raise PsaUnavailable(BAD_KEY) from None


def _keys() -> tuple[str, ...]:
    keys = tuple(key for key in settings.PSA_ENCRYPTION_KEYS if key.strip())
    if not keys:
        raise PsaUnavailable(NO_KEYS)
    return keys


def check_available() -> None:
    """Raise `PsaUnavailable` (with the operator's fix in words) unless credentials can be encrypted."""
    _multi_fernet(_keys())


def is_available() -> bool:
    try:
        check_available()
    except PsaUnavailable:
        return False
    return True


@sensitive_variables()
def encrypt_secrets(secrets: dict[str, str]) -> str:
    """The token to store for `secrets`, encrypted with the first key."""
    return _multi_fernet(_keys()).encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()


@sensitive_variables()
def decrypt_secrets(token: str) -> dict[str, str]:
    """The secrets in `token` ({} for an empty token); `PsaCredentialsUnreadable` if no key opens it."""
    if not token:
        return {}
    try:
        secrets = json.loads(_multi_fernet(_keys()).decrypt(token.encode()))
    except (InvalidToken, ValueError):  # a wrong key, or a token that is not one of ours
        raise PsaCredentialsUnreadable() from None
    if not isinstance(secrets, dict):
        raise PsaCredentialsUnreadable()
    return {str(name): str(value) for name, value in secrets.items()}


@sensitive_variables()
def reencrypt(token: str) -> str:
    """`token` encrypted again with the first key (any key may open it); `PsaCredentialsUnreadable` if none does."""
    if not token:
        return token
    try:
        return _multi_fernet(_keys()).rotate(token.encode()).decode()
    except (InvalidToken, ValueError):
        raise PsaCredentialsUnreadable() from None


@sensitive_variables()
def redact(text: str, secrets: dict[str, str]) -> str:
    """`text` with every secret value in it replaced by "[redacted]": a PSA's error may echo what it was sent."""
    for value in sorted((v for v in secrets.values() if v), key=len, reverse=True):
        text = text.replace(value, "[redacted]")
    return text
