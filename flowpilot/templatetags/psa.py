"""The session page's PSA panel and the intake's "start from a ticket" box, wherever those pages render."""

from django import template

from flowpilot.psa import connection as connections

register = template.Library()


@register.inclusion_tag("flowpilot/psa/session_psa.html", takes_context=True)
def psa_panel(context, session):
    """The ticket link, its pushes and the link form (flowpilot/psa/ticket_views.py panel_context)."""
    from flowpilot.psa.ticket_views import panel_context

    return panel_context(session, context["request"].user, bool(context.get("can_act")))


@register.simple_tag(takes_context=True)
def psa_connected(context) -> bool:
    user = context["request"].user
    return (
        user.is_authenticated
        and user.account_id is not None
        and connections.enabled_connection(user.account) is not None
    )
