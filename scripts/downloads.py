"""A generated script as a .ps1 download: the one answer the library page and the session card give."""

from django.http import HttpResponse
from django.utils.text import slugify

# A generated script may hold a secret: never let a cache or the back button keep it.
NO_STORE = "no-store, max-age=0"
# The generation a form just made, posted back by Download (a parameter key cannot contain a hyphen).
GENERATION_FIELD = "generation-id"


def ps1_response(template, script: str) -> HttpResponse:
    """The script as an attachment named for the template, never cached.

    UTF-8 with a byte order mark: Windows PowerShell 5.1 reads a .ps1 without one as the ANSI code page,
    where the UTF-8 bytes of some characters would decode to a typographic quote and end a literal.
    """
    response = HttpResponse(("\ufeff" + script).encode("utf-8"), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{slugify(template.slug) or "script"}.ps1"'
    response["Cache-Control"] = NO_STORE
    return response
