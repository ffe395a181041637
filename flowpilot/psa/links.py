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
from django.utils import timezone

from flowpilot import engine
from flowpilot.errors import InvalidIntake, LinkLocked, TicketNotFound
from flowpilot.psa import connection as connections
from flowpilot.psa import services
from flowpilot.psa.connectors.base import PsaNotFound, Ticket, TicketSummary
from flowpilot.psa.push_models import LinkStatus, PsaPush, PushStatus, TicketLink
from resolutionflow.redaction import redacted

logger = logging.getLogger(__name__)
MAX_NUMBER = 100


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
        return _reader(connection).find_ticket(number)
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
    """The user's open tickets in the PSA (as their own identity); [] without a PSA. PSA errors propagate."""
    connection = connections.enabled_connection(user.account)
    if connection is None:
        return []
    identity = connection.identity_for(user)
    return _reader(connection).open_tickets(identity, limit=limit) if identity is not None else []


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
    connection = connections.enabled_connection(link.account)
    now = timezone.now()
    if connection is None:
        error = "This account has no PSA connection."
        TicketLink.objects.filter(pk=link.pk).update(checked_at=now, check_error=error)
        link.checked_at, link.check_error = now, error
        return link
    typed = link.number
    try:
        ticket = _reader(connection).find_ticket(typed)
    except PsaNotFound:
        link.status, link.check_error = LinkStatus.NOT_FOUND, f"The PSA has no ticket {link.number}."
    except Exception as error:  # any failure leaves it unverified, to be checked again
        _apply(link, None, _unreachable(error))
    else:
        _apply(link, ticket)
    link.checked_at = now
    with transaction.atomic():
        current = TicketLink.objects.select_for_update().filter(pk=link.pk).first()
        if current is None or current.number != typed or current.is_verified:  # corrected or verified meanwhile
            return current or link
        link.save()
    return link


def verify_due_links(limit: int = 50) -> int:
    """Check unverified links not checked for PSA_LINK_RECHECK_SECONDS (the sender's runs call this)."""
    since = timezone.now() - timedelta(seconds=settings.PSA_LINK_RECHECK_SECONDS)
    due = (
        TicketLink.objects.filter(status=LinkStatus.UNVERIFIED)
        .exclude(checked_at__gte=since)
        .select_related("account")
        .order_by("checked_at", "id")[:limit]
    )
    links = list(due)
    for link in links:
        verify_link(link)
    return sum(1 for link in links if link.is_verified)
