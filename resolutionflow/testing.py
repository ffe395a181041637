"""Test helpers every app uses. `assert_foreign_404` is how each object URL proves tenant isolation."""

import json

from django.test import Client
from rest_framework.authtoken.models import Token


def assert_foreign_404(outsider, url: str, method: str = "get", data: dict | None = None, api: bool | None = None):
    """Request `url` as `outsider` (a user of another account) and assert a bare 404.

    API URLs (under /api/) are called with the user's token and a JSON body; page URLs with a logged-in
    session. The response must be 404 and must not echo anything of the object.
    """
    api = url.startswith("/api/") if api is None else api
    client = Client()
    headers = {}
    if api:
        token, _ = Token.objects.get_or_create(user=outsider)
        headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    else:
        client.force_login(outsider)
    call = getattr(client, method.lower())
    if method.lower() == "get":
        response = call(url, data or {}, **headers)
    else:
        response = call(url, json.dumps(data or {}), content_type="application/json", **headers)
    assert response.status_code == 404, f"{method.upper()} {url} as {outsider.email}: {response.status_code}, not 404"
    return response
