"""A session's link to its PSA ticket: start a session from a ticket, link one later, verify it.

A link is verified only by reading the ticket from the PSA. When the PSA cannot be reached the link is kept
`unverified` and checked again (by the sender's runs, or "Check again" on the session page); when the PSA
says there is no such ticket, the number is refused at intake, or the link is marked `not_found` until an
engineer corrects it. Only a verified link receives pushes (flowpilot/psa/sender.py): a mistyped number
never puts one client's documentation on another client's ticket.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from flowpilot import engine
from flowpilot.errors import InvalidIntake, LinkLocked, TicketNotFound
from flowpilot.psa import connection as connections
from flowpilot.psa import services
from flowpilot.psa.connectors.base import PsaIdentityMissing, PsaNotFound, Ticket, TicketSummary
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushStatus, TicketLink
from resolutionflow.redaction import redacted

logger = logging.getLogger(__name__)
MAX_NUMBER = 100
LINKS_PER_ACCOUNT = 5  # unverified links of one account re-checked per sender run


def _reader(connection):
    """A connector for reads a page or a sender run waits on: a shorter timeout (PSA_LOOKUP_TIMEOUT_SECONDS)."""
    return services.open_connector(connection, timeout_seconds=settings.PSA_LOOKUP_TIMEOUT_SECONDS)


def _unreachable(error: Exception) -> str:
    """A short reason without secrets: connectors' messages never carry credentials."""
    return f"The PSA could not be reached ({type(error).__name__}: {error})"[:300]


def _clean_number(number: str) -> str:
    number = (number or "").strip()
    if len(number) > MAX_NUMBER:
        raise InvalidIntake("ticket_id", f"A ticket number is at most {MAX_NUMBER} characters.")
    return number


def read_ticket(account, number: str) -> Ticket | None:
    """The ticket `number` read from the account's PSA, or None when there is no PSA (or it is unreachable).

    Raises TicketNotFound when the PSA says there is no such ticket.
    """
    number = _clean_number(number)
    connection = connections.enabled_connection(account)
    if not number or connection is None:
        return None
    try:
        with _reader(connection) as reader:
            return reader.find_ticket(number)
    except PsaNotFound:
        raise TicketNotFound("ticket_id", f"The PSA has no ticket {number}: check the number.") from None
    except Exception as error:  # the PSA down, a credential problem: the link waits, unverified
        logger.warning("Reading PSA ticket %s for account %s failed: %s", number, account.pk, type(error).__name__)
        return None


def prefill(ticket: Ticket) -> dict:
    """The intake fields a ticket fills in: its summary and description as the problem, its company."""
    text = ticket.summary if not ticket.description else f"{ticket.summary}\n\n{ticket.description}"
    text = redacted(text)  # ticket text read from the PSA passes the secret detector like typed text
    return {"intake": text[: engine.MAX_INTAKE], "client_name": ticket.company[:200], "ticket_id": ticket.number}


def open_tickets(user, *, limit: int = 50) -> list[TicketSummary]:
    """The user's open tickets in the PSA (as their own identity); [] without a PSA. PSA errors propagate:
    `PsaIdentityMissing` when the user (and the account default) has no identity that names their tickets."""
    connection = connections.enabled_connection(user.account)
    if connection is None:
        return []
    identity = connection.identity_for(user)
    if identity is None:
        raise PsaIdentityMissing("No PSA identity is set for this engineer.")
    with _reader(connection) as reader:
        return reader.open_tickets(identity, limit=limit)


def start_session(engineer, text: str = "", *, ticket_id: str = "", **intake) -> object:
    """Start a session, linked to its PSA ticket when the account has a PSA and a number is given.

    The ticket is read first (outside the transaction): its summary and description are the problem when
    none is written. A number the PSA does not know is refused (InvalidIntake on `ticket_id`); a PSA that
    cannot be reached leaves the link unverified, or, with no problem written, is refused on `intake`.
    The session and its link are written together.
    """
    number = _clean_number(ticket_id)
    connection = connections.enabled_connection(engineer.account) if number else None
    written = bool((text or "").strip())
    if connection is None:
        if number and not written:
            raise InvalidIntake("intake", "Describe the problem: this account has no PSA to read the ticket from.")
        return engine.start_session(engineer, text, ticket_id=number, **intake)
    ticket = read_ticket(engineer.account, number)
    if not written and ticket is None:
        raise InvalidIntake(
            "intake", f"Ticket {number} could not be read from the PSA just now: describe the problem to start."
        )
    if not written:
        filled = prefill(ticket)
        text = filled["intake"]
        intake["client_name"] = intake.get("client_name") or filled["client_name"]
    with transaction.atomic():
        session = engine.start_session(engineer, text, ticket_id=number, **intake)
        _save_link(TicketLink(session=session, account_id=session.account_id), connection, number, ticket, engineer)
    return session


def link_ticket(session, number: str, *, user) -> TicketLink:
    """Link a running (or closed) session to a ticket, or correct an unverified or not-found link.

    Refused when the account has no PSA, when the PSA does not know the number, and when the session's
    verified link already has pushes on their way or written (they belong to that ticket).
    """
    number = _clean_number(number)
    if not number:
        raise InvalidIntake("ticket_id", "Give the ticket number.")
    connection = connections.enabled_connection(session.account)
    if connection is None:
        raise InvalidIntake("ticket_id", "This account has no PSA connection: an owner sets it up in PSA settings.")
    ticket = read_ticket(session.account, number)
    with transaction.atomic():
        # The session row first: two links at once (or a link and a resolve) take turns, and the second
        # finds the first's link instead of inserting another.
        type(session).objects.select_for_update(no_key=True).filter(pk=session.pk).values_list("pk").first()
        link = TicketLink.objects.select_for_update().filter(session_id=session.pk).first()
        if link is not None and link.is_verified and _has_pushes_under_way(session):
            raise LinkLocked("ticket_id", f"Notes for ticket {link.number} are already on their way; it stays linked.")
        link = link or TicketLink(session_id=session.pk, account_id=session.account_id)
        _save_link(link, connection, number, ticket, user)
        session.intake_content = {**(session.intake_content or {}), "ticket_id": number}
        type(session).objects.filter(pk=session.pk).update(intake_content=session.intake_content)
    return link


def _has_pushes_under_way(session) -> bool:
    return PsaPush.objects.filter(session_id=session.pk).exclude(status=PushStatus.DEAD).exists()


def _save_link(link: TicketLink, connection, number: str, ticket: Ticket | None, user) -> TicketLink:
    link.provider = connection.provider
    link.number = number
    link.linked_by = user
    link.checked_at = timezone.now() if ticket is not None else None
    _apply(link, ticket)
    link.save()
    return link


def _apply(link: TicketLink, ticket: Ticket | None, error: str = "") -> None:
    if ticket is None:
        link.status = LinkStatus.UNVERIFIED
        link.check_error = error[:300]
        return
    link.status = LinkStatus.VERIFIED
    link.ticket_id = ticket.id
    link.number = ticket.number or link.number
    link.summary = redacted(ticket.summary)[:300]
    link.company = ticket.company[:200]
    link.verified_at = timezone.now()
    link.check_error = ""


def verify_link(link: TicketLink) -> TicketLink:
    """Read the link's ticket again: verified, still unverified (PSA unreachable), or not found."""
    reader, link = _open_reader(link, connections.enabled_connection(link.account))
    if reader is None:
        return link
    with reader:
        return _verify_with(link, reader)[0]


_NO_PSA = "This account has no PSA connection."


def _open_reader(link: TicketLink, connection) -> tuple[object | None, TicketLink]:
    """A connector to read `link`'s ticket through `connection` (its account's, None without a PSA), and the link.

    Without a connection, or when no connector can be opened (credentials unreadable, settings incomplete),
    the reader is None and the link records why, to be checked again later."""
    if connection is None:
        now = timezone.now()
        TicketLink.objects.filter(pk=link.pk).update(checked_at=now, check_error=_NO_PSA)
        link.checked_at, link.check_error = now, _NO_PSA
        return None, link
    try:
        return _reader(connection), link
    except Exception as error:
        return None, _store_check(link, link.number, None, _unreachable(error))


def _verify_with(link: TicketLink, reader) -> tuple[TicketLink, bool]:
    """Read the link's ticket with `reader`; answers the link and whether the PSA failed to answer."""
    typed = link.number
    try:
        ticket = reader.find_ticket(typed)
    except PsaNotFound:
        link.status, link.check_error = LinkStatus.NOT_FOUND, f"The PSA has no ticket {link.number}."
        return _store_check(link, typed), False
    except Exception as error:  # any failure leaves it unverified, to be checked again
        return _store_check(link, typed, None, _unreachable(error)), True
    return _store_check(link, typed, ticket), False


_UNCHANGED = object()


def _store_check(link: TicketLink, typed: str, ticket=_UNCHANGED, error: str = "") -> TicketLink:
    """Save what a check found, unless the link was corrected or verified meanwhile."""
    if ticket is not _UNCHANGED:
        _apply(link, ticket, error)
    link.checked_at = timezone.now()
    with transaction.atomic():
        current = TicketLink.objects.select_for_update().filter(pk=link.pk).first()
        if current is None or current.number != typed or current.is_verified:  # corrected or verified meanwhile
            return current or link
        link.save()
    return link


def verify_due_links(limit: int = 50, *, per_account: int = LINKS_PER_ACCOUNT, stopping=None) -> int:
    """Check unverified links not checked for PSA_LINK_RECHECK_SECONDS (the sender's runs call this).

    Bounded so one account's PSA outage never holds up the run: at most `per_account` links of an account
    (one connector per account, closed at the end), none more of an account once its PSA failed to answer,
    and nothing after `stopping()` answers true (the sender's deadline or stop). Answers how many were verified.
    """
    since = timezone.now() - timedelta(seconds=settings.PSA_LINK_RECHECK_SECONDS)
    oldest_first = [F("checked_at").asc(nulls_first=True), F("id").asc()]
    due = (
        TicketLink.objects.filter(status=LinkStatus.UNVERIFIED)
        .exclude(checked_at__gte=since)
        .annotate(rank=Window(RowNumber(), partition_by=[F("account_id")], order_by=oldest_first))
        .filter(rank__lte=per_account)  # the oldest few of each account: one account never fills the run
        .select_related("account")
        .order_by(*oldest_first)[:limit]
    )
    readers: dict[object, object] = {}
    no_psa: set[object] = set()
    given_up: set[object] = set()
    verified = 0
    try:
        for link in due:
            account_id = link.account_id
            if stopping is not None and stopping():
                break
            if account_id in given_up:
                continue
            if account_id not in readers:  # the account's connection read once, for its first link
                connection = None if account_id in no_psa else connections.enabled_connection(link.account)
                reader, link = _open_reader(link, connection)
                if reader is None:
                    # Without a PSA each of its links records so; when its credentials cannot be used, they wait.
                    (no_psa if connection is None else given_up).add(account_id)
                    continue
                readers[account_id] = reader
            link, unanswered = _verify_with(link, readers[account_id])
            verified += link.is_verified
            if unanswered:
                given_up.add(account_id)
    finally:
        for reader in readers.values():
            reader.close()
    return verified
