"""One mapping from errors to JSON responses for the whole API."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


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
