"""Test helpers every app uses. `assert_foreign_404` is how each object URL proves tenant isolation.

Signed-in clients are fixtures in the root conftest.py (`client_as`, `engineer_client`, `team_admin_client`,
`owner_client`); htmx requests are made with `**HTMX`, and their answers read with `toast_of` / `hx_triggers`.
"""

import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from rest_framework.authtoken.models import Token

HTMX = {"HTTP_HX_REQUEST": "true"}  # the header htmx sends, for Django's test client: client.get(url, **HTMX)


def hx_triggers(response) -> dict:
    """The client events a response sends in its HX-Trigger header (a toast, the sidebar's badge counts)."""
    return json.loads(response["HX-Trigger"])


def toast_of(response) -> dict:
    """The toast a response asks htmx to show: {"level", "message"}."""
    return hx_triggers(response)["toast"]


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


class _PagerLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("rel") in ("prev", "next"):
            self.links[attrs["rel"]] = attrs


def pager_link(html: str, rel: str = "next") -> tuple[str, dict]:
    """The pager's Previous (`prev`) or Next link in a page: its path and its query as a flat dict.

    Asserts the link exists and that its htmx request, where it has one, goes to the same URL.
    """
    parser = _PagerLinks()
    parser.feed(html)
    assert rel in parser.links, f"no {rel} link in the pager"
    link = parser.links[rel]
    assert link.get("hx-get", link["href"]) == link["href"]
    url = urlsplit(link["href"])
    return url.path, {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
