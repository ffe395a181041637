"""The one HTMX convention of every views module: which template a request wants, several pieces in one
response, toasts, and how an action is refused.

Partial or page
    `is_partial(request)` is true for an htmx request that swaps a piece of the page. A boosted navigation
    and a history restore (the back button, when htmx's cache missed) want the whole page, so they are not
    partial. `page_or_piece(request, "page.html", "piece")` names the template to render accordingly.

Several pieces
    `render_pieces(request, "page.html", ["detail", "card", "tabs"], context)` renders the first piece for
    the requesting element's swap and the others out of band: each piece's template receives `oob=True` and
    puts `hx-swap-oob="true"` on its root element. `target=None` sends every piece out of band (the
    requesting element swaps nothing: a text field keeps its focus).

Toasts
    `toast(response, "Published.")` puts the message in the `HX-Trigger` header as
    `{"toast": {"level": ..., "message": ...}}`; static/js/app.js shows it. For a full-page request use
    Django's messages framework instead; base.html shows those as the same toasts.

Refusing an action: one status code per kind of refusal
    `refuse(request, message, kind)` answers every refused action, with a toast that says why
    (`form_error(form)` is a refused form's first error, for that message):

    ========== ====== ============================================================================
    kind       status when
    ========== ====== ============================================================================
    invalid    422    the input cannot be used as sent (a form's errors, a rule the input breaks)
    conflict   409    the object's state no longer allows it (already reviewed, published, closed)
    forbidden  403    the user may not do this to this object
    throttled  429    too many requests in a minute (resolutionflow.throttling; Retry-After says when)
    ========== ====== ============================================================================

    With `response=` (the form or piece re-rendered with its errors, or the region that changed; or a
    function of no arguments that renders it, so a full page shows the message too) that response carries
    the status and the toast; static/js/app.js swaps the body of a 409 or 422 like a
    2xx (htmx swaps only 2xx by default) and swaps nothing when the body is empty. Without one, an htmx
    request gets an empty body: the page stays as it was and the toast explains. A full-page request
    (no JavaScript) gets `response` with the same status and the message as a Django message, or, with
    `redirect_to=` instead, a redirect back there with the message (post/redirect/get).

    A view that raises PermissionDenied for an htmx request is answered the same way (403 and a toast),
    by the site's 403 handler (resolutionflow.api.errors.permission_denied). Not found stays `Http404`.
    The JSON API has its own answers (resolutionflow.api.errors) and does not use this module.
"""

from collections.abc import Callable, Iterable
from typing import Literal, TypeVar

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django_htmx.http import trigger_client_event

Level = Literal["success", "info", "warning", "error"]
LEVELS: tuple[str, ...] = ("success", "info", "warning", "error")

Refusal = Literal["invalid", "conflict", "forbidden", "throttled"]
REFUSAL_STATUS: dict[str, int] = {"invalid": 422, "conflict": 409, "forbidden": 403, "throttled": 429}
REFUSAL_LEVEL: dict[str, Level] = {
    "invalid": "warning",
    "conflict": "warning",
    "forbidden": "error",
    "throttled": "warning",
}

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def is_partial(request) -> bool:
    """Does this request swap a piece of the page? Not a plain visit, a boosted link or a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def page_or_piece(request, template: str, piece: str) -> str:
    """`template#piece` for a partial request (see `is_partial`), the whole `template` otherwise."""
    return f"{template}#{piece}" if is_partial(request) else template


def render_pieces(
    request, template: str, pieces: Iterable[str], context: dict, *, target: str | None = "", status: int = 200
) -> HttpResponse:
    """Several `{% partialdef %}` pieces of `template` in one response: `target` (by default the first piece)
    for the requesting element's swap, every other one out of band (rendered with `oob=True`).
    `target=None`: all of them out of band."""
    names = list(pieces)
    if target == "":
        target = names[0] if names else None
    html = "".join(
        render_to_string(f"{template}#{name}", {**context, "oob": name != target}, request=request) for name in names
    )
    return HttpResponse(html, status=status)


def toast(response: ResponseT, message: str, level: Level = "success") -> ResponseT:
    """Add a toast to `response` (other HX-Trigger events on it are kept) and return the response.

    One toast per response: a second call replaces the first, since HX-Trigger holds one value per event.
    """
    if level not in LEVELS:
        raise ValueError(f"Unknown toast level {level!r}; use one of {', '.join(LEVELS)}.")
    return trigger_client_event(response, "toast", {"level": level, "message": str(message)})


def form_error(form) -> str:
    """A refused form's first error, for the refusal's toast (a form's messages are written to stand alone)."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "Check the form."


def refuse(
    request,
    message: str,
    kind: Refusal = "invalid",
    *,
    response: HttpResponseBase | Callable[[], HttpResponseBase] | None = None,
    redirect_to: str | None = None,
) -> HttpResponseBase:
    """Refuse an action with the kind's status code (see the table above) and `message` for the user.

    `response`: what to show (the form with its errors, the region that changed), given the kind's status;
    a function that renders it is called after the message is queued (a full page then shows it as a toast).
    `redirect_to`: where a full-page request goes back to when there is nothing to re-render.
    """
    if kind not in REFUSAL_STATUS:
        raise ValueError(f"Unknown refusal {kind!r}; use one of {', '.join(REFUSAL_STATUS)}.")
    status, level = REFUSAL_STATUS[kind], REFUSAL_LEVEL[kind]
    if getattr(request, "htmx", False):
        shown = response() if callable(response) else response
        shown = shown if shown is not None else HttpResponse()
        shown.status_code = status
        return toast(shown, message, level=level)
    getattr(messages, level)(request, message)
    if response is not None:
        shown = response() if callable(response) else response
        shown.status_code = status
        return shown
    if redirect_to is None:
        raise ValueError("A full-page refusal needs the response to show or a URL to go back to.")
    return redirect(redirect_to)
