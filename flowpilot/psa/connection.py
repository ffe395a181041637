"""The account's PSA connection: reading it, saving it (secrets encrypted), testing it, and who each engineer is.

The settings page, the Django admin and `seed_demo` all save through `save_connection`, so secrets are merged
and encrypted one way: a secret left blank keeps the saved one (while the provider stays the same), a typed one
replaces it, and nothing but the encrypted blob is ever stored. `check_connection` asks the PSA and keeps its
answer in words, with any secret the PSA might echo redacted.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from flowpilot.errors import PsaCredentialsUnreadable, PsaUnavailable
from flowpilot.psa import crypto
from flowpilot.psa.connectors.base import (
    ConnectionCheck,
    Identity,
    Provider,
    PsaAuthError,
    PsaConfigError,
    PsaError,
    PsaNotFound,
    PsaRateLimited,
    PsaServerError,
    PsaTimeout,
)
from flowpilot.psa.models import IDENTITY_FIELDS, PROVIDER_SECRETS, PsaConnection, PsaUserIdentity
from resolutionflow.locks import hold_until_commit
from resolutionflow.models import Account, User

logger = logging.getLogger(__name__)

MAX_MESSAGE = 500


def connection_of(account) -> PsaConnection | None:
    """The account's connection (enabled or not), or None."""
    if account is None:
        return None
    return PsaConnection.objects.for_account(account).first()


def enabled_connection(account) -> PsaConnection | None:
    """The account's enabled PSA connection, or None (no PSA: sessions keep a free-text ticket number)."""
    connection = connection_of(account)
    return connection if connection is not None and connection.is_enabled else None


def identity_rows(account) -> list[tuple[User, PsaUserIdentity | None]]:
    """Every active user of the account with their PSA identity row (None when not mapped yet), by name."""
    users = User.objects.for_account(account).filter(is_active=True).order_by("full_name", "email")
    mapped = {row.user_id: row for row in PsaUserIdentity.objects.for_account(account)}
    return [(user, mapped.get(user.pk)) for user in users]


@sensitive_variables()
def saved_secret_names(connection: PsaConnection | None) -> set[str]:
    """The names of the secrets saved (and readable) for the connection's current provider."""
    if connection is None or connection._state.adding or not connection.has_secrets:
        return set()
    try:
        return {name for name, value in connection.secrets().items() if value}
    except (PsaCredentialsUnreadable, PsaUnavailable):
        return set()


@sensitive_variables()
def credentials_problem(connection: PsaConnection | None) -> str:
    """Why the saved credentials cannot be used right now, in words ("" when they can, or none are saved)."""
    try:
        crypto.check_available()
        if connection is not None and connection.has_secrets:
            connection.secrets()
    except (PsaCredentialsUnreadable, PsaUnavailable) as exc:
        return str(exc)
    return ""


@sensitive_variables()  # outermost: the atomic wrapper's frame holds the arguments too
@transaction.atomic
def save_connection(connection: PsaConnection, *, secrets: dict[str, str], by=None) -> PsaConnection:
    """Save `connection` (its fields already set) with `secrets` typed for its provider; a blank one keeps the
    saved value when the provider is unchanged. A change of provider, settings or secrets forgets the last test.

    Raises `PsaUnavailable` when credentials cannot be encrypted (no PSA_ENCRYPTION_KEYS)."""
    provider = Provider(connection.provider)
    if connection._state.adding:  # one connection per account: a second owner's first save edits the first's
        Account.objects.select_for_update().filter(pk=connection.account_id).first()
        existing = PsaConnection.objects.filter(account_id=connection.account_id).first()
        if existing is not None:
            connection.pk, connection.created_at, connection._state.adding = existing.pk, existing.created_at, False
    previous = PsaConnection.objects.select_for_update().filter(pk=connection.pk).first()
    kept: dict[str, str] = {}
    if previous is not None and previous.provider == provider:
        try:
            kept = previous.secrets()
        except PsaCredentialsUnreadable:
            kept = {}  # unreadable: whatever was typed now replaces it
    names = [name for name, _label in PROVIDER_SECRETS[provider]]
    merged = {name: secrets.get(name) or kept.get(name, "") for name in names}
    merged = {name: value for name, value in merged.items() if value}
    changed = (
        previous is None
        or previous.provider != provider
        or previous.provider_settings() != connection.provider_settings()
        or merged != kept
    )
    if merged != kept or not connection.encrypted_secrets:
        connection.set_secrets(merged)
    if changed:
        connection.last_tested_at = None
        connection.last_test_ok = None
        connection.last_test_message = ""
    connection.updated_by = by
    connection.save()
    logger.info(
        "PSA connection of account %s saved (%s, credentials %s)",
        connection.account_id,
        provider.value,
        "replaced" if merged != kept else "kept",
    )
    return connection


def describe_error(exc: PsaError, *, timeout_seconds: float | None = None) -> str:
    """A connector's failure in words for the owner (the PSA's own message after the kind of failure)."""
    detail = str(exc).strip()
    status = f" (HTTP {exc.status})" if exc.status else ""
    if isinstance(exc, PsaTimeout):
        within = f" within {timeout_seconds:g} seconds" if timeout_seconds else ""
        return f"The PSA did not answer{within}. Check the address and that the PSA is reachable from this server."
    if isinstance(exc, PsaAuthError):
        return f"The PSA refused the credentials{status}: {detail}"
    if isinstance(exc, PsaNotFound):
        return f"The PSA answered “not found”{status}: check the site or URLs. {detail}"
    if isinstance(exc, PsaRateLimited):
        wait = f" Try again in {exc.retry_after:g} seconds." if exc.retry_after else " Try again later."
        return f"The PSA is limiting requests{status}.{wait}"
    if isinstance(exc, PsaConfigError):
        return f"The connection's settings are not complete: {detail}"
    if isinstance(exc, PsaServerError):
        return f"The PSA had an error{status}: {detail}"
    return f"The PSA's answer could not be used{status}: {detail}"


@sensitive_variables()
def check_connection(connection: PsaConnection, *, transport=None) -> ConnectionCheck:
    """Ask the PSA whether the connection works (bounded by PSA_TIMEOUT_SECONDS) and record its answer.

    Never raises for a PSA's failure, a missing key or unreadable credentials: each is a failed check whose
    message says what to do. `transport` (an httpx transport) lets tests stand in for the network."""
    from flowpilot.psa.connectors import connector_for  # the connectors import httpx; keep this module light

    secrets: dict[str, str] = {}
    try:
        config = connection.connector_config()
        secrets = config.secrets
        check = connector_for(config, transport=transport).test_connection()
    except (PsaCredentialsUnreadable, PsaUnavailable) as exc:
        check = ConnectionCheck(ok=False, message=str(exc))
    except PsaError as exc:
        check = ConnectionCheck(ok=False, message=describe_error(exc, timeout_seconds=config.timeout_seconds))
    except Exception as exc:  # a connector's bug must not turn "Test connection" into a 500; its type only
        logger.exception("PSA connection test of account %s failed unexpectedly", connection.account_id)
        check = ConnectionCheck(
            ok=False, message=f"The PSA's answer could not be used ({type(exc).__name__}); see the server log."
        )
    message = crypto.redact(check.message, secrets)[:MAX_MESSAGE]
    check = ConnectionCheck(ok=check.ok, message=message)
    connection.last_test_ok = check.ok
    connection.last_test_message = message
    connection.last_tested_at = timezone.now()
    connection.save(update_fields=["last_test_ok", "last_test_message", "last_tested_at", "updated_at"])
    logger.info("PSA connection test of account %s: %s", connection.account_id, "ok" if check.ok else message)
    return check


def save_identity(account, user: User, values: dict[str, str]) -> PsaUserIdentity | None:
    """Set who `user` (of `account`) is in the PSA; the fields not in `values` keep their value. A row left
    with no identity at all is deleted (the user then acts as the account default). Two saves at once take
    turns (a lock on the user's identity), so the second edits the first's identity instead of inserting another."""
    with transaction.atomic():
        hold_until_commit(f"psa-identity:{user.pk}")
        row = PsaUserIdentity.objects.for_account(account).filter(user=user).first() or PsaUserIdentity(
            account=account, user=user
        )
        for name, value in values.items():
            setattr(row, name, value.strip())
        if not any(getattr(row, name) for names in IDENTITY_FIELDS.values() for name in names):
            if row.pk:
                row.delete()
            return None
        row.save()
        return row


def identity_of(account, user) -> Identity | None:
    """Who `user` acts as in the account's PSA (their mapping, else the account default); None without one."""
    connection = connection_of(account)
    return connection.identity_for(user) if connection is not None else None


def reencrypt_all() -> tuple[int, int]:
    """Re-encrypt every connection's credentials with the first PSA_ENCRYPTION_KEYS key (key rotation).

    Returns (re-encrypted, unreadable): an unreadable one is left as it is (its owner re-enters it)."""
    done = unreadable = 0
    for connection in PsaConnection.objects.exclude(encrypted_secrets="").iterator():
        try:
            token = crypto.reencrypt(connection.encrypted_secrets)
        except PsaCredentialsUnreadable:
            unreadable += 1
            logger.warning("PSA credentials of account %s cannot be read with any key", connection.account_id)
            continue
        PsaConnection.objects.filter(pk=connection.pk).update(encrypted_secrets=token)
        done += 1
    return done, unreadable
