"""One mapping from errors to JSON responses for the whole API, and Django's error views for the site.

Inside a DRF view, `exception_handler` answers. Everything else that goes wrong under /api/ (an unknown
path, a malformed id that no URL pattern matches, a middleware's refusal, a CSRF failure, an unhandled
exception) reaches Django's error views: `bad_request`, `permission_denied`, `page_not_found`,
`server_error` and `csrf_failure` answer JSON `{"detail": ...}` there, and the site's HTML pages elsewhere.
"""

import sys
from functools import lru_cache

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.views import csrf, defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from resolutionflow.htmx import refuse, toast


class Conflict(exceptions.APIException):
    """409: the object's state does not allow the request (already reviewed, session closed...)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the object's current state."
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError as a 400 with field errors.

    Unauthenticated requests get 401 (TokenAuthentication supplies the WWW-Authenticate header).
    Domain errors declare their own answer: an `api_status` attribute and an `api_body()` method
    (e.g. an invalid tree → 400 with the tree path; a stale target → 409 naming both versions).
    """
    if hasattr(exc, "api_status") and hasattr(exc, "api_body"):
        return Response(exc.api_body(), status=exc.api_status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return Response(response.data, status=response.status_code, headers=_headers(response))


def _headers(response):
    return {k: v for k, v in response.items() if k.lower() in ("www-authenticate", "retry-after")}


# ── Django's error views ────────────────────────────────────────────────────────────────────────────

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """Is this a request to the API (answered in JSON), rather than to a page?"""
    return request.path_info.startswith(API_PREFIX)


def api_error(status_code: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status_code)


def bad_request(request, exception=None, detail: str = ""):
    """400. `detail` is shown to the user (pages and API alike); Django's own 400s pass none."""
    if is_api_request(request):
        return api_error(400, detail or "Bad request.")
    return HttpResponseBadRequest(_bad_request_page(detail))


@lru_cache(maxsize=8)
def _bad_request_page(detail: str) -> str:
    # Rendered without the request, like the 500 page (a refused request may carry a broken session
    # cookie), so the page for one detail is always the same.
    return render_to_string("400.html", {"detail": detail})


def permission_denied(request, exception=None):
    """403. An htmx request gets the refusal of resolutionflow.htmx (a toast with the reason, nothing swapped)."""
    if is_api_request(request):
        return api_error(403, "You do not have permission to perform this action.")
    if getattr(request, "htmx", False):
        reason = str(exception or "") or "You do not have permission to do this."
        return refuse(request, reason, "forbidden")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if is_api_request(request):
        return api_error(404, "Not found.")
    return defaults.page_not_found(request, exception)


DATABASE_UNAVAILABLE = "The database is not answering (a restart or a failover). Please try again in a moment."
RETRY_AFTER_SECONDS = 5


def server_error(request):
    """500; or 503 with Retry-After when what failed is the database connection (stopped, restarting, a
    failover, a deadlock or a cancelled statement): the request can simply be sent again. Called by Django
    inside its handling of the exception, so the exception is still `sys.exc_info()`."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return _database_unavailable(request)
    if is_api_request(request):
        return api_error(500, "Server error. It has been logged; please try again in a moment.")
    return defaults.server_error(request)


def _database_unavailable(request):
    if is_api_request(request):
        response = api_error(503, DATABASE_UNAVAILABLE)
    elif request.headers.get("HX-Request") == "true":  # a toast says it; nothing on the page is swapped
        response = toast(HttpResponse(status=503), DATABASE_UNAVAILABLE, level="error")
    else:  # rendered without the request, like the 500 page: the session cannot be read either
        response = HttpResponse(_unavailable_page(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@lru_cache(maxsize=1)
def _unavailable_page() -> str:
    return render_to_string("503.html", {"detail": DATABASE_UNAVAILABLE})


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW. DRF checks CSRF itself for session-authenticated API calls; this answers for
    anything under /api/ that Django's middleware refuses."""
    if is_api_request(request):
        return api_error(403, f"CSRF Failed: {reason}" if reason else "CSRF Failed.")
    return csrf.csrf_failure(request, reason)
