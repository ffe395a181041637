"""The AI session a script is generated for, as the scripts app may reach it.

Apps depend one way (flowpilot → scripts → resolutionflow): a generation names its session by a string
foreign key, and this app never imports flowpilot. FlowPilot owns the rule of who acts on a session (its
engineer, the escalation target, an admin of its team: flowpilot.permissions), so it registers, when its
app is ready, the one function that finds a session for someone who may act on it. Until one is
registered (flowpilot not installed) no session can be named: 404.
"""

from collections.abc import Callable

from django.http import Http404

_find_session: Callable | None = None


def register_session_finder(find: Callable) -> None:
    """`find(user, pk)` returns the AI session `pk` if `user` may act on it; it raises Http404 when the
    session is not theirs to see (missing, another account's) and PermissionDenied when they may read it but
    not act on it."""
    global _find_session
    _find_session = find


def session_to_act_on(user, pk):
    """The AI session `pk`, for a generation `user` links to it (Http404 / PermissionDenied otherwise)."""
    if _find_session is None:
        raise Http404("Not found.")
    return _find_session(user, pk)
