"""Toasts for HTMX responses.

An HTMX view reports the outcome of an action with `toast(response, "Published.")`: the message travels
in the `HX-Trigger` header as `{"toast": {"level": ..., "message": ...}}`, and static/js/app.js shows it.
htmx fires header events for 4xx/5xx responses too, so a refused action can explain itself:

    return toast(HttpResponse(status=409), "This proposal was already reviewed.", level="warning")

For full-page (non-HTMX) requests use Django's messages framework instead; base.html shows those as the
same toasts on the next page.
"""

from typing import Literal, TypeVar

from django.http import HttpResponseBase
from django_htmx.http import trigger_client_event

Level = Literal["success", "info", "warning", "error"]
LEVELS: tuple[str, ...] = ("success", "info", "warning", "error")

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def toast(response: ResponseT, message: str, level: Level = "success") -> ResponseT:
    """Add a toast to `response` (other HX-Trigger events on it are kept) and return the response.

    One toast per response: a second call replaces the first, since HX-Trigger holds one value per event.
    """
    if level not in LEVELS:
        raise ValueError(f"Unknown toast level {level!r}; use one of {', '.join(LEVELS)}.")
    return trigger_client_event(response, "toast", {"level": level, "message": str(message)})
