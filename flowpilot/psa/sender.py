"""The PSA sender: claim due pushes safely, write each once, retry failures with backoff, give up as `dead`.

A claim leases a batch of due pushes whose session has a verified ticket link (`SELECT ... FOR UPDATE SKIP
LOCKED`): their `lease_until` becomes the claim's token, and only its holder records an outcome. Two
senders (the schedule, the command, a second worker) never take the same push.

Exactly once: the attempt is counted and committed before the PSA is called. A push with an earlier attempt
behind it (a timeout, a crash mid-call, a 500 after the PSA stored it, an admin's retry) first looks for its
marker on the ticket (`find_note` / `find_time_entry`) and is `succeeded` with what it finds instead of
being written again. Failures back off exponentially with jitter (PSA_PUSH_BACKOFF_SECONDS, doubled per
attempt, at most PSA_PUSH_BACKOFF_MAX_SECONDS), never sooner than a 429's or a 5xx's Retry-After; after
PSA_PUSH_MAX_ATTEMPTS, or at once for an error a retry cannot fix (bad credentials, no such ticket), the
push is `dead` and listed for admins, who may retry it.
"""

import datetime as dt
import json
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from flowpilot.psa import connection as connections
from flowpilot.psa import links, services
from flowpilot.psa.connectors.base import Identity, PsaError, PsaRateLimited, PsaServerError, Written
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushKind, PushStatus
from resolutionflow.models import Account, User

logger = logging.getLogger(__name__)
BATCH = 20
LINKS_PER_RUN = 50

CLAIM = """
WITH due AS (
    SELECT p.id FROM flowpilot_psapush p
    JOIN flowpilot_ticketlink l ON l.session_id = p.session_id AND l.status = 'verified'
    WHERE p.status IN ('pending', 'failed')
      AND p.next_attempt_at <= clock_timestamp()
      AND (p.lease_until IS NULL OR p.lease_until < clock_timestamp())
    ORDER BY p.next_attempt_at, p.id
    LIMIT %(limit)s
    FOR UPDATE OF p SKIP LOCKED
)
UPDATE flowpilot_psapush AS p SET lease_until = statement_timestamp() + make_interval(secs => %(lease)s)
FROM due WHERE p.id = due.id
RETURNING p.id, p.lease_until
"""


@dataclass(frozen=True)
class Claim:
    push_id: int
    lease: dt.datetime  # the claim's token


def claim_due_pushes(limit: int) -> list[Claim]:
    """Lease up to `limit` due pushes (of verified links) to this sender, oldest due first."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CLAIM, {"limit": limit, "lease": settings.PSA_PUSH_LEASE_SECONDS})
        rows = cursor.fetchall()
    return [Claim(pk, lease) for pk, lease in sorted(rows)]


def send_due_pushes(limit: int | None = None, *, max_seconds: float | None = None, stop=None) -> Counter:
    """Send due pushes until none are left, `limit` were handled, `max_seconds` passed or `stop()` answers
    true; then re-read due unverified links (within the same bounds) and send the pushes they free. Returns
    counts by outcome (and `links_verified`)."""
    deadline = None if max_seconds is None else time.monotonic() + max_seconds

    def stopping() -> bool:
        return (stop is not None and stop()) or (deadline is not None and time.monotonic() >= deadline)

    results = Counter()
    handled = 0  # pushes handled in this run, whatever their outcome: what `limit` counts
    connectors = Connectors()

    def send_claimed() -> None:
        nonlocal handled
        while (limit is None or handled < limit) and not stopping():
            claims = claim_due_pushes(BATCH if limit is None else min(BATCH, limit - handled))
            if not claims:
                return
            try:
                while claims and not stopping():
                    results[send(claims[0], connectors)] += 1
                    handled += 1
                    claims.pop(0)
            finally:
                release(claims)

    try:
        given_up = give_up_unlinked()
        if given_up:
            results["dead_unlinked"] = given_up
        # Pushes first: re-reading unverified links (bounded, see verify_due_links) never delays them, and the
        # pushes of links verified now go in the same run while time is left.
        send_claimed()
        verified = links.verify_due_links(LINKS_PER_RUN, stopping=stopping)
        if verified:
            results["links_verified"] = verified
            send_claimed()
    finally:
        connectors.close()
    return results


UNLINKED_ERRORS = {
    LinkStatus.NOT_FOUND: "The PSA has no ticket with the session's ticket number, so this was never sent: "
    "correct the ticket number on the session, then retry it.",
    LinkStatus.UNVERIFIED: "The session's ticket could not be read from the PSA for too long, so this was never "
    "sent: check the PSA connection and the ticket number, then retry it.",
}


def give_up_unlinked() -> int:
    """Pushes whose session's link stayed unverified or not found for PSA_PUSH_LINK_WAIT_SECONDS since they
    were due become `dead` with the reason (listed for admins, who may retry them once the link is right)."""
    now = timezone.now()
    waiting = PsaPush.objects.filter(
        status__in=[PushStatus.PENDING, PushStatus.FAILED],
        next_attempt_at__lt=now - dt.timedelta(seconds=settings.PSA_PUSH_LINK_WAIT_SECONDS),
    ).exclude(lease_until__gte=now)
    dead = 0
    for link_status, message in UNLINKED_ERRORS.items():
        dead += waiting.filter(session__ticket_link__status=link_status).update(
            status=PushStatus.DEAD, last_error=message, next_attempt_at=None, lease_until=None
        )
    if dead:
        logger.warning("%s PSA push(es) given up: their ticket link was never verified", dead)
    return dead


class Connectors:
    """For one run: a connector per account (credentials decrypted once) and each engineer's identity."""

    def __init__(self):
        self._by_account = {}
        self._identities = {}

    def for_account(self, account_id):
        if account_id not in self._by_account:
            psa = connections.enabled_connection(Account.objects.get(pk=account_id))
            self._by_account[account_id] = (psa, services.open_connector(psa) if psa is not None else None)
        return self._by_account[account_id]

    def close(self) -> None:
        for _psa, connector in self._by_account.values():
            if connector is not None:
                connector.close()
        self._by_account.clear()

    def identity(self, psa, engineer_id) -> Identity:
        if engineer_id not in self._identities:
            self._identities[engineer_id] = psa.identity_for(User.objects.get(pk=engineer_id)) or Identity()
        return self._identities[engineer_id]


@dataclass(frozen=True)
class Attempt:
    """A claimed push as one attempt sends it (read with the attempt's count)."""

    claim: Claim  # renewed for this attempt: its lease is the token the outcome is recorded with
    attempts: int
    kind: str
    payload: dict
    marker: str
    account_id: object
    engineer_id: object  # the push's engineer, else the session's
    ticket_id: str  # of the verified link
    text: str  # a note's text, read now (a time entry has none)


def send(claim: Claim, connectors: Connectors) -> str:
    """Send one claimed push: succeeded, retry, dead, or skipped (the claim is no longer ours or its lease has
    run out, or its link is no longer verified: handed back uncounted, nothing written)."""
    attempt = _start_attempt(claim)
    if attempt is None:
        release([claim])
        return "skipped"
    try:
        psa, connector = connectors.for_account(attempt.account_id)
        if connector is None:
            raise PsaError("This account has no PSA connection.")
        identity = connectors.identity(psa, attempt.engineer_id)
        written = _find(connector, attempt) if attempt.attempts > 1 else None
        if written is None:
            written = _write(connector, attempt, identity)
    except Exception as error:  # every failure is recorded on the push and retried or given up: never lost
        return _record_failure(attempt.claim, attempt.attempts, error)
    return _record_success(attempt.claim, attempt.attempts, attempt.ticket_id, written)


# The note's text comes from the session as it is now: its documentation, or the hand-off's text.
# The claim's lease must still run (by the database's clock, as the claim reads it): once it has run out another
# sender may hold the push. Each attempt renews it, so one slow attempt never lets a later one of the batch start
# on a lapsed lease; the renewed lease is the token `_record` then checks.
START_ATTEMPT = """
UPDATE flowpilot_psapush AS p SET attempts = p.attempts + 1,
    lease_until = clock_timestamp() + make_interval(secs => %(lease)s)
FROM flowpilot_ticketlink AS l, flowpilot_aisession AS s
WHERE p.id = %(push)s AND p.lease_until = %(token)s AND p.lease_until > clock_timestamp()
  AND p.status IN ('pending', 'failed')
  AND l.session_id = p.session_id AND l.status = 'verified' AND s.id = p.session_id
RETURNING p.lease_until, p.attempts, p.kind, p.payload, p.marker, p.account_id,
    coalesce(p.engineer_id, s.engineer_id), l.ticket_id,
    CASE p.kind
        WHEN 'note' THEN s.documentation
        WHEN 'handoff_note' THEN coalesce(
            (SELECT h.text FROM flowpilot_sessionhandoff h
             WHERE h.id = (p.payload->>'handoff_id')::bigint AND h.session_id = p.session_id),
            s.handoff_summary)
    END
"""


def _start_attempt(claim: Claim) -> Attempt | None:
    """Count the attempt and commit it (durably) before calling the PSA, reading what it sends in the same
    statement, and renew the lease for this attempt; None if the claim is no longer ours, its lease has run
    out or the link is no longer verified.

    This commit is what makes a later attempt look for the marker first, so it waits for the WAL flush;
    recording the outcome need not (lost in a database crash, the push is due again and its next attempt
    finds what this one wrote).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            START_ATTEMPT, {"push": claim.push_id, "token": claim.lease, "lease": settings.PSA_PUSH_LEASE_SECONDS}
        )
        row = cursor.fetchone()
    if row is None:
        return None
    lease, attempts, kind, payload, marker, account_id, engineer_id, ticket_id, text = row
    payload = json.loads(payload) if isinstance(payload, str) else payload
    return Attempt(
        Claim(claim.push_id, lease), attempts, kind, payload, marker, account_id, engineer_id, ticket_id, text or ""
    )


def _record(claim: Claim, **fields) -> None:
    """Record an attempt's outcome on the push, if the claim is still ours, in one statement whose commit
    does not wait for the WAL flush (`set_config(..., true)` holds for that statement's own transaction)."""
    columns = ", ".join(f"{name} = %s" for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE flowpilot_psapush SET {columns} WHERE id = %s AND lease_until = %s"
            " AND set_config('synchronous_commit', 'off', true) = 'off'",
            [*fields.values(), claim.push_id, claim.lease],
        )


def _find(connector, push: Attempt) -> Written | None:
    if push.kind == PushKind.TIME_ENTRY:
        return connector.find_time_entry(push.ticket_id, marker=push.marker)
    return connector.find_note(push.ticket_id, marker=push.marker)


def _write(connector, push: Attempt, identity: Identity) -> Written:
    payload = push.payload
    if push.kind == PushKind.TIME_ENTRY:
        return connector.log_time(
            push.ticket_id,
            start=dt.datetime.fromisoformat(payload["start"]),
            end=dt.datetime.fromisoformat(payload["end"]),
            hours=Decimal(payload["hours"]),
            notes=payload["notes"],
            identity=identity,
            marker=push.marker,
        )
    return connector.add_note(
        push.ticket_id,
        text=push.text,
        internal=bool(payload.get("internal")),
        resolution=bool(payload.get("resolution")),
        identity=identity,
        marker=push.marker,
    )


def _record_success(claim: Claim, attempts: int, ticket_id: str, written: Written) -> str:
    _record(
        claim,
        status=PushStatus.SUCCEEDED,
        external_id=str(written.external_id)[:100],
        ticket_id=ticket_id,
        sent_at=timezone.now(),
        first_attempt_succeeded=attempts == 1,
        last_error="",
        lease_until=None,
        next_attempt_at=None,
    )
    return "succeeded"


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter (half to all of the doubled delay), never before Retry-After."""
    ceiling = min(settings.PSA_PUSH_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), settings.PSA_PUSH_BACKOFF_MAX_SECONDS)
    delay = ceiling * (0.5 + random.random() / 2)
    return max(delay, retry_after or 0)


def _record_failure(claim: Claim, attempts: int, error: Exception) -> str:
    retryable = getattr(error, "retryable", True)
    dead = not retryable or attempts >= settings.PSA_PUSH_MAX_ATTEMPTS
    retry_after = error.retry_after if isinstance(error, PsaRateLimited | PsaServerError) else None
    message = f"{type(error).__name__}: {error}"[:500]
    if not isinstance(error, PsaError):
        logger.exception("PSA push %s failed unexpectedly", claim.push_id)
    else:
        logger.warning("PSA push %s attempt %s failed: %s", claim.push_id, attempts, type(error).__name__)
    _record(
        claim,
        status=PushStatus.DEAD if dead else PushStatus.FAILED,
        last_error=message,
        lease_until=None,
        next_attempt_at=None if dead else timezone.now() + dt.timedelta(seconds=backoff_seconds(attempts, retry_after)),
        first_attempt_succeeded=False,
    )
    return "dead" if dead else "retry"


def release(claims: list[Claim]) -> int:
    """Hand unstarted claims back: their pushes are due again at once."""
    released = 0
    for lease in {c.lease for c in claims}:
        released += PsaPush.objects.filter(
            pk__in=[c.push_id for c in claims if c.lease == lease], lease_until=lease
        ).update(lease_until=None)
    return released


def has_due_pushes() -> bool:
    now = timezone.now()
    return (
        PsaPush.objects.filter(status__in=[PushStatus.PENDING, PushStatus.FAILED], next_attempt_at__lte=now)
        .filter(session__ticket_link__status="verified")
        .exclude(lease_until__gte=now)
        .exists()
    )
