"""The session page's hand-off pieces: the Pick up button, and who held the session when with each hand-off."""

from django import template

from flowpilot import escalations
from flowpilot.permissions import can_pick_up

register = template.Library()


@register.inclusion_tag("flowpilot/session_handoffs.html#pick_up", takes_context=True)
def pick_up_button(context, session):
    """Pick up, for whoever the escalated session waits for (flowpilot.permissions.can_pick_up)."""
    return {"session": session, "can_pick_up": can_pick_up(context["request"].user, session)}


@register.inclusion_tag("flowpilot/session_handoffs.html#panel")
def handoff_panel(session):
    """Who held the session when, and each escalation's hand-off (nothing for a session never escalated)."""
    if session.escalated_at is None:
        return {"session": session, "handoffs": []}
    handed = escalations.handoffs(session)
    return {"session": session, "handoffs": handed, "holders": escalations.holders(session, handed)}
