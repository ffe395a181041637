"""The AI sessions a proposal names, as the knowledge app may reach them.

Apps depend one way (flowpilot → knowledge): a proposal keeps its supporting sessions' ids, and this app
never imports flowpilot. FlowPilot owns the rule of who may see a session (flowpilot.selectors), so it
registers, when its app is ready, the one function that lists the sessions of some ids a user may see.
Until one is registered (flowpilot not installed) no session is listed.
"""

from collections.abc import Callable, Iterable

_list_sessions: Callable | None = None


def register_session_lister(list_sessions: Callable) -> None:
    """`list_sessions(user, ids, limit)` returns at most `limit` of the sessions `ids` that `user` may see."""
    global _list_sessions
    _list_sessions = list_sessions


def visible_sessions(user, ids: Iterable, *, limit: int) -> list:
    """The sessions among `ids` that `user` may see (at most `limit`); others' are left out, never an error."""
    if _list_sessions is None:
        return []
    return list(_list_sessions(user, list(ids), limit))
