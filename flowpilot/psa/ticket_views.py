"""PSA pages of a session's life: start from a ticket, "my open tickets", link or check a session's ticket,
and the admins' list of dead pushes with "Retry now". Each view translates HTTP into one service call."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from flowpilot.errors import InvalidIntake, PushNotDead
from flowpilot.forms import IntakeForm
from flowpilot.psa import connection as connections
from flowpilot.psa import links, selectors, services
from flowpilot.psa.connectors.base import PsaIdentityMissing
from flowpilot.psa.ticket_forms import TicketNumberForm
from flowpilot.views import session_action
from resolutionflow.htmx import is_partial, page_or_piece, refuse, toast
from resolutionflow.tenancy import account_member_required, admin_required

logger = logging.getLogger(__name__)
PANEL = "flowpilot/psa/session_psa.html"
PUSHES = "flowpilot/psa/push_list.html"
UNREACHABLE = "The PSA could not be reached just now; try again in a moment."
NO_IDENTITY = (
    "Your PSA identity is not set, so your open tickets cannot be listed: ask an owner to set it in PSA settings "
    "(you can still type a ticket number)."
)


def panel_context(session, user, can_act: bool, **extra) -> dict:
    """What the session page's PSA panel shows: the ticket link, each push and its state, the link form."""
    link = selectors.ticket_link(session)
    connected = connections.enabled_connection(session.account) is not None
    return {
        "session": session,
        "link": link,
        "pushes": selectors.session_pushes(session),
        "psa_connected": connected,
        "can_link": can_act and connected and (link is None or not link.is_verified),
        "can_check": can_act and connected and link is not None and not link.is_verified,
        "ticket_form": extra.pop("ticket_form", None) or TicketNumberForm(),
        **extra,
    }


# ── Starting from a ticket ──────────────────────────────────────────────────────────────────────────


@require_GET
@account_member_required
def session_from_ticket(request):
    """The intake pre-filled from a ticket (`?ticket=<number>`): its summary and description as the problem,
    its company as the client. The form posts to the usual intake, which links the session to the ticket."""
    form = TicketNumberForm(request.GET)
    initial, error = {}, ""
    if form.is_valid():
        number = form.cleaned_data["ticket_id"]
        try:
            ticket = links.read_ticket(request.user.account, number)
        except InvalidIntake as refused:
            error = refused.message
            ticket = None
        initial = links.prefill(ticket) if ticket is not None else {"ticket_id": number}
        if ticket is None and not error:
            error = f"Ticket {number} could not be read from the PSA now: describe the problem; it will be linked."
    intake = IntakeForm(initial=initial)
    context = {"form": intake, "ticket_form": form, "ticket_error": error}
    return render(request, "flowpilot/session_new.html", context)


@require_GET
@account_member_required
def open_tickets(request):
    """The engineer's open tickets in the PSA, each a link that starts the intake from it."""
    error = ""
    try:
        tickets = links.open_tickets(request.user)
    except PsaIdentityMissing:
        tickets, error = [], NO_IDENTITY
    except Exception as failure:  # the PSA down or refusing: say so, never a 500
        logger.warning("Listing open PSA tickets failed: %s", type(failure).__name__)
        tickets, error = [], UNREACHABLE
    context = {
        "tickets": tickets,
        "error": error,
        "psa_connected": connections.enabled_connection(request.user.account),
    }
    return render(request, page_or_piece(request, "flowpilot/psa/open_tickets.html", "list"), context)


# ── A session's ticket ──────────────────────────────────────────────────────────────────────────────


@session_action()
def session_ticket(request, session):
    """Link the session to a ticket (or correct an unverified or not-found link)."""
    form = TicketNumberForm(request.POST)
    if form.is_valid():
        try:
            link = links.link_ticket(session, form.cleaned_data["ticket_id"], user=request.user)
        except InvalidIntake as error:
            form.add_error("ticket_id", error.message)
        else:
            message = f"Linked to ticket {link.number}." if link.is_verified else UNVERIFIED_MESSAGE
            return _panel(request, session, message, level="success" if link.is_verified else "warning")
    context = panel_context(session, request.user, True, ticket_form=form)
    return refuse(
        request,
        "Check the ticket number.",
        "invalid",
        response=lambda: render(request, page_or_piece(request, PANEL, "panel"), context),
    )


UNVERIFIED_MESSAGE = "The PSA could not be reached: the ticket is linked unverified and checked again soon."


@session_action()
def session_ticket_check(request, session):
    """Read the linked ticket again now (an unverified link becomes verified when the PSA answers)."""
    link = selectors.ticket_link(session)
    if link is None:
        return refuse(request, "This session has no ticket to check.", "conflict", redirect_to=_url(session))
    link = links.verify_link(link)
    if link.is_verified:
        return _panel(request, session, f"Ticket {link.number} verified.")
    return _panel(request, session, link.check_error or UNVERIFIED_MESSAGE, level="warning")


def _panel(request, session, message: str, level: str = "success"):
    if not is_partial(request):
        getattr(messages, level)(request, message)
        return redirect(_url(session))
    return toast(render(request, f"{PANEL}#panel", panel_context(session, request.user, True)), message, level)


def _url(session) -> str:
    return reverse("flowpilot:session-detail", args=[session.pk])


# ── Dead pushes (admins) ────────────────────────────────────────────────────────────────────────────


@require_GET
@admin_required
def push_list(request):
    page = Paginator(selectors.dead_pushes(request.user), 25).get_page(request.GET.get("page"))
    return render(request, page_or_piece(request, PUSHES, "rows"), {"pushes": page})


@require_POST
@admin_required
def push_retry(request, pk):
    push = selectors.push(request.user, pk)
    if not request.user.can_administer_team(push.session.team_id):
        raise PermissionDenied("Only an admin of the session's team retries its pushes.")
    try:
        push = services.retry_push(push)
    except PushNotDead as error:
        push.refresh_from_db()
        return refuse(
            request,
            str(error),
            "conflict",
            response=lambda: render(request, f"{PUSHES}#row", {"push": push}),
            redirect_to=reverse("flowpilot:psa-pushes"),
        )
    if not is_partial(request):
        return redirect(reverse("flowpilot:psa-pushes"))
    return toast(render(request, f"{PUSHES}#row", {"push": push}), "Queued: it is sent within a minute.")
