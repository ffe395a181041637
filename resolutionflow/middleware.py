"""Request checks that run before any view reads the request: its size, and NUL characters in its data."""

from django.conf import settings
from django.http import HttpResponse

from resolutionflow import json_input
from resolutionflow.api.errors import api_error, bad_request, is_api_request

NUL = "\x00"
NUL_REFUSED = "The request contains a NUL character (U+0000), which is not allowed anywhere."


class RequestBodyLimitMiddleware:
    """Refuse request bodies over MAX_REQUEST_BYTES with 413 before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            message = f"Request body too large (limit {settings.MAX_REQUEST_BYTES} bytes)."
            if is_api_request(request):
                return api_error(413, message)
            return HttpResponse(message, status=413, content_type="text/plain")
        return self.get_response(request)


class RefuseNulMiddleware:
    """Refuse with 400 any request whose data holds a NUL character, on every page and API endpoint.

    PostgreSQL cannot store or compare text holding NUL, so a NUL that reaches a query or an insert is a
    500; no legitimate input holds one. Checked, as each will be decoded: the path; the query string
    (`%00` or a raw NUL, keys and values); every header, cookies included; the body — a raw NUL byte, `%00`
    in a form-encoded body, a `\\u0000` escape in a JSON body, and in a multipart body each field (name
    and value) and file name. Uploaded files' contents are not read here: what parses them as JSON goes
    through resolutionflow.json_input, which refuses NUL too. Pages get the 400 page, the API JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.holds_nul(request):
            return bad_request(request, detail=NUL_REFUSED)
        return self.get_response(request)

    def holds_nul(self, request) -> bool:
        meta = request.META
        query = meta.get("QUERY_STRING", "")
        if NUL in request.path_info or NUL in query or "%00" in query:
            return True
        if any(NUL in str(value) for key, value in meta.items() if key.startswith("HTTP_")):
            return True
        if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):  # "\000" in a quoted cookie
            return True
        content_type = meta.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            return request.method == "POST" and _multipart_holds_nul(request)
        body = request.body
        if b"\x00" in body:
            return True
        if content_type == "application/x-www-form-urlencoded":
            return b"%00" in body
        if "json" in content_type:
            return json_input.holds_nul(body)
        return False


def _multipart_holds_nul(request) -> bool:
    """Each form field and file name (Django parses the body; files stay unread)."""
    fields = [item for key, values in request.POST.lists() for item in (key, *values)]
    names = [item for key, files in request.FILES.lists() for item in (key, *(f.name or "" for f in files))]
    return any(NUL in text for text in fields + names)
