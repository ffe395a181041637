"""The PSA side of a session's changes: the pushes a resolve or an escalate owes its ticket, the working time
they log, and an admin's retry of a dead push.

The engine calls `queue_resolve_pushes` / `queue_escalate_pushes` inside its own transaction, so a push
exists exactly when the session change that caused it was committed. Nothing here talks to the PSA: the
sender (flowpilot/psa/sender.py) does, later, and only for a verified link.
"""

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from flowpilot import escalations
from flowpilot.errors import InvalidAnswer, PushNotDead
from flowpilot.psa.push_models import PsaPush, PushKind, PushStatus, TicketLink

HOURS = Decimal("0.01")


@sensitive_variables()
def open_connector(connection, *, timeout_seconds: float | None = None):
    """A connector for the connection (its credentials decrypted here, never kept)."""
    from flowpilot.psa.connectors import connector_for

    return connector_for(connection.connector_config(timeout_seconds=timeout_seconds))


# ── Working time ────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class WorkSpan:
    """One engineer's active span on a session, as it is logged (capped by PSA_MAX_TIME_ENTRY_HOURS)."""

    engineer: object
    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 60))

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(HOURS, rounding=ROUND_HALF_UP)


def max_minutes() -> int:
    return int(settings.PSA_MAX_TIME_ENTRY_HOURS * 60)


def _capped(engineer, start: dt.datetime, end: dt.datetime) -> WorkSpan:
    cap = dt.timedelta(minutes=max_minutes())
    return WorkSpan(engineer, max(start, end - cap), end)


def working_spans(session, *, end: dt.datetime | None = None) -> list[WorkSpan]:
    """Each engineer's own spans on the session, in order, each capped: who held it when
    (flowpilot.escalations.holders, from its hand-offs), a span still open ending at `end`. The time it
    waited in an inbox is nobody's; a session resolved while it waited gives its escalation target (else its
    engineer) the time from the escalation."""
    end = end or session.resolved_at or timezone.now()
    held = escalations.holders(session, [] if session.escalated_at is None else None)  # never escalated: no query
    spans = [_capped(h.engineer, h.since, min(h.until or end, end)) for h in held]
    if held[-1].ended_by == "escalated":
        spans.append(_capped(session.escalated_to_user or session.engineer, held[-1].until, end))
    return spans


def suggested_minutes(session) -> int:
    """What the resolve dialog proposes: the current holder's own span up to now, capped."""
    return working_spans(session, end=timezone.now())[-1].minutes


# ── Pushes ──────────────────────────────────────────────────────────────────────────────────────────


def has_ticket_link(session) -> bool:
    return TicketLink.objects.filter(session_id=session.pk).exists()


def queue_resolve_pushes(session, *, worked_minutes: int | None = None) -> list[PsaPush]:
    """The resolve's documentation as a note (flagged as the resolution) and each engineer's working time
    as a time entry, for the session's ticket. Call inside the resolve's transaction. No link: nothing.

    A note's text is read when it is sent (the session's documentation, the hand-off's text), not copied
    here: a secret hidden on the session after the resolve never reaches the PSA from a push still waiting.

    `worked_minutes` (the resolve dialog's edit) replaces the resolver's own (last) span, ending at the resolve.
    """
    if worked_minutes is not None and not 1 <= int(worked_minutes) <= max_minutes():
        raise InvalidAnswer("worked_minutes", f"Working time is 1 to {max_minutes():,} minutes.")
    end = session.resolved_at or timezone.now()
    spans = working_spans(session, end=end)
    resolver = spans[-1].engineer
    if worked_minutes is not None:
        spans[-1] = WorkSpan(resolver, end - dt.timedelta(minutes=int(worked_minutes)), end)
    note = _push(session, PushKind.NOTE, resolver, {"internal": False, "resolution": True})
    entries = [
        _push(
            session,
            PushKind.TIME_ENTRY,
            span.engineer,
            {
                "start": span.start.isoformat(),
                "end": span.end.isoformat(),
                "hours": str(span.hours),
                "notes": f"ResolutionFlow session: {session.problem_summary or session.intake_text[:200]}",
            },
        )
        for span in spans
    ]
    return _insert_if_linked(session, [note, *entries])


def queue_escalate_pushes(session) -> list[PsaPush]:
    """The hand-off summary as an internal note on the ticket. Call inside the escalate's transaction."""
    if not has_ticket_link(session):
        return []
    handoff_id = session.handoffs.order_by("-escalated_at", "-id").values_list("id", flat=True).first()
    payload = {"handoff_id": handoff_id, "internal": True, "resolution": False}
    return _insert_if_linked(session, [_push(session, PushKind.HANDOFF_NOTE, session.engineer, payload)])


def _push(session, kind: str, engineer, payload: dict) -> PsaPush:
    return PsaPush(
        account_id=session.account_id,
        session_id=session.pk,
        engineer=engineer,
        kind=kind,
        payload=payload,
        next_attempt_at=timezone.now(),
    )


def _insert_if_linked(session, pushes: list[PsaPush]) -> list[PsaPush]:
    """Insert `pushes` if the session has a ticket link, in one statement: the link check and the insert are
    one round trip, so a resolve with a PSA costs about what one without costs (bench/psa_resolve.py). Every
    column comes from the model (its defaults applied by the constructor, `created_at` by `pre_save`).
    Returns the inserted pushes with their ids, or [] when not linked."""
    db = connections[PsaPush.objects.db]
    fields = _push_columns()
    params = [field.get_db_prep_save(field.pre_save(push, add=True), db) for push in pushes for field in fields]
    with db.cursor() as cursor:
        cursor.execute(_insert_if_linked_sql(len(pushes)), [*params, session.pk])
        ids = {marker: pk for pk, marker in cursor.fetchall()}
    if not ids:
        return []
    for push in pushes:
        push.pk = ids[push.marker]
        push._state.adding, push._state.db = False, db.alias
    return pushes


def _push_columns() -> list:
    return [field for field in PsaPush._meta.concrete_fields if not field.primary_key]


@functools.cache
def _insert_if_linked_sql(rows: int) -> str:
    """INSERT ... SELECT from VALUES (each value cast to its column's type) WHERE the session has a link."""
    db = connections[PsaPush.objects.db]
    name = db.ops.quote_name
    fields = _push_columns()
    row = "(" + ", ".join(f"%s::{field.db_type(db).split('(')[0]}" for field in fields) + ")"
    link_session = TicketLink._meta.get_field("session").column
    return (
        f"INSERT INTO {name(PsaPush._meta.db_table)} ({', '.join(name(field.column) for field in fields)}) "
        f"SELECT * FROM (VALUES {', '.join([row] * rows)}) AS pushes "
        f"WHERE EXISTS (SELECT 1 FROM {name(TicketLink._meta.db_table)} WHERE {name(link_session)} = %s) "
        "RETURNING id, marker"
    )


def retry_push(push: PsaPush) -> PsaPush:
    """An admin's "Retry now": the dead push is due at once for one more attempt (dead again if it fails).

    Its attempts are kept, so the sender still looks for the push's marker in the PSA before writing: an
    earlier attempt that timed out may have stored it.
    """
    with transaction.atomic():
        locked = PsaPush.objects.select_for_update().get(pk=push.pk)
        if locked.status != PushStatus.DEAD:
            raise PushNotDead(locked.status)
        locked.status = PushStatus.FAILED
        locked.next_attempt_at = timezone.now()
        locked.lease_until = None
        locked.save(update_fields=["status", "next_attempt_at", "lease_until"])
    return locked
