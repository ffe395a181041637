"""Escalations that get picked up: the inbox, picking a session up, the hand-off note, who held a session when.

An escalated session waits for its target: a person (`escalated_to_user`), a team (`escalated_to_team`) or,
with neither, anyone of the account ("the next line"). Whoever picks it up becomes its engineer and
continues the same session from the step where it stopped (or in capture mode when that step was
answered). Each escalation is a `SessionHandoff` row, written in the engine's escalate transition
(`record_escalation`) and completed in its pick-up transition (`record_pick_up`); together they say who
held the session when.

The session stays in the history of everyone who held it (flowpilot.selectors.held_by, the session lists
filter). The counting rules (still escalated after a pick-up, MTTR to the final resolve, usage and analysis
once at the final close) live where the counts are made: flowpilot.rollups, flowpilot.engine and
analytics.metrics.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.utils import timezone

from flowpilot import engine, selectors
from flowpilot.errors import NotWaiting, SessionClosed
from flowpilot.models import AISession, HandoffSource, SessionHandoff, SessionStatus
from flowpilot.permissions import can_pick_up
from resolutionflow.tenancy import scoped

# Whose inbox: escalated to me, to my team, or to no one in particular (anyone may pick those up).
SCOPES = ("me", "team", "anyone")
ORDERS = {"oldest": ("escalated_at", "pk"), "newest": ("-escalated_at", "-pk")}


# ── Reads ───────────────────────────────────────────────────────────────────────────────────────────


def inbox(user, *, scope: str = "me", order: str = "oldest"):
    """Escalated sessions waiting in `user`'s inbox (`scope`), oldest or newest waiting first, each with
    its waiting hand-off in `session.waiting_handoffs` (one, or none for a session escalated before
    hand-offs were kept)."""
    queryset = (
        waiting(user)
        .select_related("engineer", "escalated_to_user", "escalated_to_team", "matched_flow")
        .defer(*selectors.UNSHOWN)
        .prefetch_related(
            Prefetch(
                "handoffs",
                queryset=SessionHandoff.objects.filter(picked_up_at__isnull=True),
                to_attr="waiting_handoffs",
            )
        )
    )
    if scope == "team":
        queryset = queryset.filter(escalated_to_team_id=user.team_id) if user.team_id else queryset.none()
    elif scope == "anyone":
        queryset = queryset.filter(escalated_to_user__isnull=True, escalated_to_team__isnull=True)
    else:
        queryset = queryset.filter(escalated_to_user=user)
    return queryset.order_by(*ORDERS.get(order, ORDERS["oldest"]))


def waiting(user):
    """Every escalated session of `user`'s account that nobody has picked up."""
    return scoped(AISession, user).filter(status=SessionStatus.ESCALATED)


def waiting_for(user):
    """Escalated sessions waiting for `user` or for `user`'s team (the badge's count, the home page's list)."""
    mine = Q(escalated_to_user=user)
    if user.team_id:
        mine |= Q(escalated_to_team_id=user.team_id)
    return waiting(user).filter(mine)


def inbox_count(user) -> int:
    """The sidebar's badge: sessions waiting for `user` or for `user`'s team."""
    if not user.is_authenticated or user.account_id is None:
        return 0
    return waiting_for(user).count()


def handoffs(session: AISession) -> list[SessionHandoff]:
    """The session's hand-offs, oldest first, with the people named on them."""
    return list(
        session.handoffs.select_related("escalated_by", "escalated_to_user", "escalated_to_team", "picked_up_by")
    )


def waiting_handoff(session: AISession) -> SessionHandoff | None:
    return session.handoffs.filter(picked_up_at__isnull=True).first()


@dataclass(frozen=True)
class Holding:
    """One engineer's time holding a session: from `since` until `until` (None: still holding)."""

    engineer: object
    since: datetime
    until: datetime | None
    ended_by: str  # "escalated", "resolved", "abandoned", or "" while holding


def holders(session: AISession, handed: list[SessionHandoff] | None = None) -> list[Holding]:
    """Who held the session when, from its hand-offs: the first engineer from its start, then each picker."""
    handed = handoffs(session) if handed is None else handed
    first = handed[0].escalated_by if handed else session.engineer
    spans, holder, since = [], first, session.created_at
    for handoff in handed:
        spans.append(Holding(holder, since, handoff.escalated_at, "escalated"))
        if handoff.picked_up_at is None:
            return spans
        holder, since = handoff.picked_up_by, handoff.picked_up_at
    end = session.resolved_at if session.status == SessionStatus.RESOLVED else session.abandoned_at
    spans.append(Holding(holder, since, end, "" if end is None else session.status))
    return spans


def handoff_note(session: AISession) -> str:
    """The hand-off of the session's latest escalation as text: the PSA's internal note on escalation."""
    latest = session.handoffs.order_by("-escalated_at").first()
    return latest.text if latest else session.handoff_summary


# ── Writes ──────────────────────────────────────────────────────────────────────────────────────────


def record_escalation(session: AISession, handoff: dict) -> SessionHandoff:
    """The hand-off row of an escalation, its text the session's `handoff_summary` (called inside the
    engine's escalate transition, after the status, reason and target are set)."""
    return SessionHandoff.objects.create(
        account_id=session.account_id,
        session=session,
        escalated_by_id=session.engineer_id,
        escalated_to_user=session.escalated_to_user,
        escalated_to_team=session.escalated_to_team,
        reason=session.escalation_reason,
        handoff=handoff,
        text=session.handoff_summary,
        source=handoff.get("source", HandoffSource.RULES),
        steps_before=session.steps.count(),
        escalated_at=session.escalated_at,
    )


def pick_up_session(session: AISession, user) -> AISession:
    """`user` picks up the escalated `session` and continues it as its engineer (flowpilot.engine).

    The engine's transition locks the session row: of two people picking up at once, the second finds it
    active and gets `NotWaiting` (409) naming who was faster. PermissionDenied when it is not for `user`."""
    try:
        return engine.pick_up_session(session, user)
    except SessionClosed as closed:
        now = AISession.objects.select_related("engineer").only("engineer", "escalated_at").get(pk=session.pk)
        raise NotWaiting(closed.status, now.engineer.display_name, escalated=now.escalated_at is not None) from None


def record_pick_up(session: AISession, user) -> SessionHandoff:
    """Inside the engine's pick-up transition: check `user` may pick the session up and complete its waiting
    hand-off (or record one for a session escalated before hand-offs were kept)."""
    if not can_pick_up(user, session):
        raise PermissionDenied("This escalation is for someone else.")
    handoff = waiting_handoff(session)
    if handoff is None:
        handoff = SessionHandoff(
            account_id=session.account_id,
            session=session,
            escalated_by_id=session.engineer_id,
            escalated_to_user=session.escalated_to_user,
            escalated_to_team=session.escalated_to_team,
            reason=session.escalation_reason,
            text=session.handoff_summary,
            escalated_at=session.escalated_at or timezone.now(),
        )
    handoff.picked_up_by = user
    handoff.picked_up_at = timezone.now()
    handoff.save()
    return handoff
