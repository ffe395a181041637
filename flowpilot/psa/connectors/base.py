"""The contract between ResolutionFlow and a PSA: plain values in, plain values or typed errors out.

A connector is built from a provider's settings and decrypted credentials (`ConnectorConfig`) and
never sees a model. Every method may raise a `PsaError` subclass; nothing else escapes (httpx errors,
JSON errors and unexpected shapes are mapped). Text read from a PSA is untrusted: connectors return it
as plain text (HTML converted), and callers still escape it when rendering.

Exactly-once writes: no PSA documents idempotency keys, so each note and time entry carries a stable
`marker` (e.g. "[ResolutionFlow ref 6f1c…/resolve-note]") in its text, and `find_note` /
`find_time_entry` look for it before a retry writes again.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal


class Provider(enum.StrEnum):
    CONNECTWISE = "connectwise"
    HALOPSA = "halopsa"
    AUTOTASK = "autotask"


# Settings that are credentials though a connector reads them among its settings (stored encrypted with the
# secrets, never shown in a repr, a page or a log).
SECRET_SETTINGS: dict[Provider, frozenset[str]] = {Provider.AUTOTASK: frozenset({"integration_code"})}
REDACTED = "[redacted]"


@dataclass(frozen=True)
class ConnectorConfig:
    """Everything a connector needs: the provider, its non-secret settings and its decrypted secrets.

    `settings` keys by provider:
    - connectwise: site, company_id, client_id, codebase (optional: found via /login/companyinfo/{company})
    - halopsa: auth_url, resource_url (as Halo's API page shows them; a bare host gets /auth and /api),
      tenant (optional, hosted instances)
    - autotask: username, integration_code, zone_url (optional: found by the zone-information lookup),
      zone_lookup_url (the lookup's base URL; configurable so the fake PSA can stand in), impersonate
      (optional "true": write notes as the engineer's resource via ImpersonationResourceId)
    `secrets` keys: connectwise public_key, private_key; halopsa client_id, client_secret; autotask secret.
    """

    provider: Provider
    settings: dict[str, str]
    secrets: dict[str, str]
    timeout_seconds: float = 10.0

    def __repr__(self) -> str:
        """Without the secrets, and with the settings that are credentials (SECRET_SETTINGS) redacted."""
        hidden = SECRET_SETTINGS.get(Provider(self.provider), frozenset())
        shown = {key: REDACTED if key in hidden else value for key, value in self.settings.items()}
        return (
            f"ConnectorConfig(provider={self.provider!r}, settings={shown!r}, "
            f"secrets=[{len(self.secrets)} redacted], timeout_seconds={self.timeout_seconds!r})"
        )


@dataclass(frozen=True)
class Identity:
    """Who acts in the PSA: ConnectWise member (id and identifier), Halo agent id, Autotask resource and role."""

    member_id: str = ""
    member_identifier: str = ""
    agent_id: str = ""
    resource_id: str = ""
    role_id: str = ""


@dataclass(frozen=True)
class Ticket:
    id: str
    number: str
    summary: str
    description: str  # plain text, untrusted
    company: str
    status: str
    closed: bool = False


@dataclass(frozen=True)
class TicketSummary:
    id: str
    number: str
    summary: str
    company: str
    status: str


@dataclass(frozen=True)
class Written:
    """A note or time entry the PSA stored, with its id there."""

    external_id: str


@dataclass(frozen=True)
class TimeEntry:
    """A time entry to write: `hours` (what is billed) from `start`, its notes and the marker that ends them."""

    start: dt.datetime
    hours: Decimal
    notes: str
    marker: str

    @property
    def billed_hours(self) -> float:
        """The hours to the hundredth, as the JSON number Autotask and HaloPSA take."""
        return float(self.hours.quantize(Decimal("0.01")))


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str  # the PSA's answer in words, without secrets


class PsaError(Exception):
    """Base of every connector failure. `retryable` says whether a later attempt may succeed."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class PsaAuthError(PsaError):
    retryable = False


class PsaNotFound(PsaError):
    retryable = False


class PsaRateLimited(PsaError):
    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = 429):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class PsaServerError(PsaError):
    """A 5xx or a transport failure; `retry_after` (seconds) when the PSA said when to come back (a 503's)."""

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class PsaTimeout(PsaError):
    """The PSA did not answer in time: the write may or may not have happened (look for the marker)."""


class PsaBadResponse(PsaError):
    """The PSA answered with a shape we do not understand (validated, never trusted)."""


class PsaRejected(PsaError):
    """The PSA refused the request itself (400, 409, 422...): sending it again will not help."""

    retryable = False


class PsaConfigError(PsaError):
    """The connection or the engineer's identity lacks something this call needs (no request was sent)."""

    retryable = False


class PsaIdentityMissing(PsaConfigError):
    """The engineer has no identity in the PSA that this call needs (e.g. whose open tickets to list)."""


class Connector(abc.ABC):
    """What every connector offers; each provider subclasses it and writes a time entry in `_write_time`."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    @abc.abstractmethod
    def test_connection(self) -> ConnectionCheck: ...

    @abc.abstractmethod
    def find_ticket(self, number: str) -> Ticket:
        """The ticket an engineer typed (ConnectWise/Halo id; Autotask ticket number like T20261207.0042)."""

    @abc.abstractmethod
    def get_ticket(self, ticket_id: str) -> Ticket: ...

    @abc.abstractmethod
    def open_tickets(self, identity: Identity, *, limit: int = 50) -> list[TicketSummary]: ...

    @abc.abstractmethod
    def add_note(
        self, ticket_id: str, *, text: str, internal: bool, resolution: bool, identity: Identity, marker: str
    ) -> Written: ...

    @abc.abstractmethod
    def find_note(self, ticket_id: str, *, marker: str) -> Written | None: ...

    def log_time(
        self,
        ticket_id: str,
        *,
        start: dt.datetime,
        end: dt.datetime,
        hours: Decimal,
        notes: str,
        identity: Identity,
        marker: str,
    ) -> Written:
        """A time entry of `hours` (what is billed) starting at `start`; its end is start + hours, so an
        engineer's edited figure wins over the span `start`..`end` the session measured."""
        return self._write_time(ticket_id, TimeEntry(start=start, hours=hours, notes=notes, marker=marker), identity)

    @abc.abstractmethod
    def _write_time(self, ticket_id: str, entry: TimeEntry, identity: Identity) -> Written:
        """The provider's request for `log_time`."""

    @abc.abstractmethod
    def find_time_entry(self, ticket_id: str, *, marker: str) -> Written | None: ...

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connector's HTTP connections (connectors are also context managers)."""
