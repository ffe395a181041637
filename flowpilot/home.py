"""FlowPilot's blocks on the home page (resolutionflow/home.py): start a session, the engineer's active
sessions, escalations waiting for them or their team, the team's recent resolutions, and for owners the PSA
connection's health and its dead pushes. Every list reads through the app's selectors, inside the user's
account, with a fixed number of queries."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from flowpilot import escalations, selectors
from flowpilot.forms import IntakeForm
from flowpilot.models import SessionStatus
from flowpilot.psa import selectors as psa_selectors
from flowpilot.psa.connection import connection_of
from flowpilot.psa.push_models import PushStatus
from flowpilot.psa.ticket_forms import TicketNumberForm
from resolutionflow.home import OWNERS, HomeBlock, register_home_block

LISTED = 5  # rows a block lists; its link shows the rest
PSA_HEALTH_DAYS = 7


def start_context(user) -> dict:
    return {"form": IntakeForm(), "ticket_form": TicketNumberForm()}


def active_sessions(user) -> dict:
    active = selectors.sessions(user, scope="mine", status=SessionStatus.ACTIVE).filter(engineer=user)
    return {"items": list(active[:LISTED])}


def waiting_escalations(user) -> dict:
    waiting = escalations.waiting_for(user).select_related("engineer", "escalated_to_user", "escalated_to_team")
    return {"items": list(waiting.defer(*selectors.UNSHOWN).order_by("escalated_at", "pk")[:LISTED])}


def recent_resolutions(user) -> dict:
    scope = "team" if user.team_id else "all"  # an owner outside the teams sees the whole account's
    resolved = selectors.sessions(user, scope=scope, status=SessionStatus.RESOLVED).order_by("-resolved_at")
    return {"items": list(resolved[:LISTED])}


def psa_health(user) -> dict:
    """The connection, its last test, and the last week's pushes by status."""
    connection = connection_of(user.account)
    if connection is None:
        return {"items": []}
    since = timezone.now() - timedelta(days=PSA_HEALTH_DAYS)
    rows = (
        psa_selectors.pushes(user).filter(created_at__gte=since).order_by().values("status").annotate(count=Count("id"))
    )
    by_status = {row["status"]: row["count"] for row in rows}
    counts = [(label, by_status.get(value, 0), value) for value, label in PushStatus.choices]
    return {"items": [connection], "connection": connection, "push_counts": counts, "days": PSA_HEALTH_DAYS}


def dead_pushes(user) -> dict:
    dead = psa_selectors.dead_pushes(user)
    return {"items": list(dead[:LISTED]), "total": dead.count()}


def register() -> None:
    blocks = [
        HomeBlock(
            key="start",
            title="Start a session",
            template="flowpilot/home/start.html",
            context=start_context,
            url_name="flowpilot:session-new",
            link_label="Full intake",
            empty_text="",
            order=10,
            wide=True,
        ),
        HomeBlock(
            key="active_sessions",
            title="Your active sessions",
            template="flowpilot/home/session_rows.html",
            context=active_sessions,
            url_name="flowpilot:session-list",
            query="status=active",
            link_label="All your sessions",
            empty_text="Sessions you start and have not resolved, escalated or abandoned yet are listed here.",
            order=20,
        ),
        HomeBlock(
            key="waiting_escalations",
            title="Escalations waiting for you",
            template="flowpilot/home/escalation_rows.html",
            context=waiting_escalations,
            url_name="flowpilot:escalation-inbox",
            link_label="Escalations inbox",
            empty_text="Nothing waiting. A session a colleague escalates to you or your team waits here until "
            "someone picks it up.",
            order=30,
        ),
        HomeBlock(
            key="recent_resolutions",
            title="Recent resolutions",
            template="flowpilot/home/session_rows.html",
            context=recent_resolutions,
            url_name="flowpilot:session-list",
            query="scope=team&status=resolved",  # the list's team scope falls back to the user's own
            link_label="Resolved sessions",
            empty_text="Sessions your team resolves are listed here, newest first, with the fix they found.",
            order=40,
        ),
        HomeBlock(
            key="psa_health",
            title="PSA connection",
            template="flowpilot/home/psa_health.html",
            context=psa_health,
            url_name="flowpilot:psa-settings",
            link_label="PSA settings",
            empty_text="No PSA connected. Connect ConnectWise, HaloPSA or Autotask so engineers start sessions "
            "from tickets and each resolution sends its note and time entry back.",
            audience=OWNERS,
            order=80,
        ),
        HomeBlock(
            key="dead_pushes",
            title="Dead PSA pushes",
            template="flowpilot/home/dead_pushes.html",
            context=dead_pushes,
            url_name="flowpilot:psa-pushes",
            link_label="Failed PSA pushes",
            empty_text="None. A note or time entry the PSA keeps refusing after every retry lands here, for "
            "you to retry once the PSA accepts it again.",
            audience=OWNERS,
            order=85,
        ),
    ]
    for block in blocks:
        register_home_block(block)
