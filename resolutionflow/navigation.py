"""The sidebar: its entries, and badges that apps register (e.g. the review queue's pending count).

An entry is shown only when its URL exists, so the sidebar never links to a route that is not there.
An htmx action that changes a badge's count sends the new count with its response (`send_badges`), so
the sidebar shows it at once rather than on the next page load.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django_htmx.http import trigger_client_event


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    icon: str
    admins_only: bool = False
    section: str = "Work"


ENTRIES = [
    NavEntry("sessions", "Sessions", "flowpilot:session-list", "chat"),
    NavEntry("escalations", "Escalations", "flowpilot:escalation-inbox", "users"),
    NavEntry("flows", "Flows", "knowledge:flow-list", "tree"),
    NavEntry("scripts", "Scripts", "scripts:library", "terminal"),
    NavEntry("review_queue", "Review Queue", "knowledge:review-queue", "inbox", section="Knowledge Base"),
    NavEntry("analytics", "FlowPilot Analytics", "analytics:dashboard", "chart", admins_only=True, section="Analytics"),
    NavEntry(
        "psa_pushes",
        "Failed PSA pushes",
        "flowpilot:psa-pushes",
        "alert-triangle",
        admins_only=True,
        section="Analytics",
    ),
]

_badges: dict[str, Callable] = {}


def register_badge(key: str, count: Callable) -> None:
    """`count(user) -> int`; a positive count is shown beside the entry `key`."""
    _badges[key] = count


def send_badges(response, request, *keys: str):
    """Add the current count of the badges `keys` to an htmx `response` and return it.

    The counts travel in the HX-Trigger header as `{"nav-badges": {"counts": {key: count}}}` (other events
    on it, such as a toast, are kept); static/js/app.js draws them into the sidebar. htmx fires header
    events for refused (4xx) answers too, which matters: "already reviewed" means the count moved.
    """
    if not getattr(request, "htmx", False):
        return response
    counts = {key: _badges[key](request.user) for key in keys if key in _badges}
    return trigger_client_event(response, "nav-badges", {"counts": counts}) if counts else response


def entries_for(request) -> list[dict]:
    user = request.user
    items = []
    for entry in ENTRIES:
        if entry.admins_only and not user.is_admin:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        badge = _badges[entry.key](user) if entry.key in _badges else 0
        items.append(
            {
                "key": entry.key,
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "section": entry.section,
                "badge": badge,
                "has_badge": entry.key in _badges,
                "active": request.path.startswith(url),
            }
        )
    return items
